"""Plots of results (matplotlib): one experiment's bars, the paper's size plot, the PGR heatmap, a
ladder by pretraining compute and PGR by gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiment.metrics import summarize

COLORS = {"weak": "#9e9e9e", "ceiling": "#1f4e79", "xent": "#e07b39", "logconf": "#3a9d5d", "product": "#8e5ea2"}


def _axes(ax, figsize=(6, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_result(result, ax=None):
    """Bars of weak, strong-on-weak (per loss) and ceiling test accuracy; error bars are the
    standard deviation over seeds, dots the individual seeds, labels the PGR."""
    fig, ax = _axes(ax)
    names = ["weak"] + list(result.w2s_acc) + ["ceiling"]
    values = [result.weak_acc] + list(result.w2s_acc.values()) + [result.ceiling_acc]
    labels = ["weak\nsupervisor"] + [f"w2s\n({k})" for k in result.w2s_acc] + ["strong\nceiling"]
    for i, (name, vals) in enumerate(zip(names, values)):
        vals, spread = np.asarray(vals, dtype=float), summarize(vals)
        err = spread["std"]
        ax.bar(i, spread["mean"], yerr=err, color=COLORS.get(name, "#e07b39"), capsize=4, alpha=0.9)
        ax.scatter(np.full(len(vals), i), vals, color="black", s=10, zorder=3)
        if name in result.pgr:
            p = result.pgr[name]["mean"]
            if p is not None and np.isfinite(p):
                top = max(spread["mean"] + err, vals.max())  # above the error bar and the seed dots
                ax.annotate(f"PGR {p:.2f}", (i, top), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=9)
    lo = min(min(v) for v in values)
    ax.set_ylim(max(0.0, lo - 0.08), min(1.0, max(max(v) for v in values) + 0.06))
    ax.set_xticks(range(len(names)), labels)
    ax.set_ylabel("test accuracy")
    cfg = result.config
    ax.set_title(f"{cfg['task']}: {cfg['weak']} supervises {cfg['strong']} ({len(result.seeds)} seeds)")
    fig.tight_layout()
    return fig


def plot_accuracy_vs_size(results: dict, sizes: dict[str, float], loss: str = "xent", ax=None):
    """The paper's figure-3 style: student accuracy against strong model size, a line per weak
    model, and the ceiling (strong trained on ground truth) as a dashed line."""
    fig, ax = _axes(ax, (6.5, 4.2))
    weaks = sorted({w for w, _ in results}, key=lambda m: sizes.get(m, 0))
    strongs = sorted({s for _, s in results}, key=lambda m: sizes.get(m, 0))
    cmap = __import__("matplotlib").colormaps["viridis"]
    for j, weak in enumerate(weaks):
        xs = [sizes[s] for s in strongs if (weak, s) in results]
        ys = [np.mean(results[(weak, s)].w2s_acc[loss]) for s in strongs if (weak, s) in results]
        ax.plot(xs, ys, "o-", color=cmap(j / max(1, len(weaks) - 1)), label=f"weak = {weak}")
    ceiling = [np.mean(next(r for (w, s), r in results.items() if s == st).ceiling_acc) for st in strongs]
    ax.plot([sizes[s] for s in strongs], ceiling, "k--", label="ceiling (ground truth)")
    ax.set_xscale("log")
    ax.set_xlabel("strong model size (parameters)")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_pgr_heatmap(results: dict, loss: str = "xent", ax=None):
    """PGR for every weak (rows) x strong (columns) pair; blank where PGR is undefined."""
    fig, ax = _axes(ax, (5.5, 4.5))
    weaks = list(dict.fromkeys(w for w, _ in results))
    strongs = list(dict.fromkeys(s for _, s in results))
    grid = np.full((len(weaks), len(strongs)), np.nan)
    for (w, s), r in results.items():
        p = r.pgr[loss]["mean"]
        grid[weaks.index(w), strongs.index(s)] = np.nan if p is None else p
    im = ax.imshow(grid, cmap="RdYlGn", vmin=-0.5, vmax=1.0)
    for i in range(len(weaks)):
        for j in range(len(strongs)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(strongs)), strongs, rotation=30, ha="right")
    ax.set_yticks(range(len(weaks)), weaks)
    ax.set_xlabel("strong student")
    ax.set_ylabel("weak supervisor")
    ax.set_title(f"PGR ({loss})")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def plot_compute_ladder(record: dict, ax=None):
    """A ladder by pretraining compute (``w2s_edu.chess.compute``'s record): each checkpoint's test
    accuracy as a probe against its share of the run's steps (mean and spread over seeds), with the
    ceiling, the chosen supervisor and chance."""
    fig, ax = _axes(ax, (6.5, 4.2))
    xs = np.asarray(record["percents"], dtype=float)
    probes = [summarize([p["binary"] for p in record["rungs"][f"{n} (probe)"]["per_seed"]])
              for n in record["checkpoints"]]
    ax.errorbar(xs, [p["mean"] for p in probes], yerr=[p["std"] for p in probes], fmt="o-", capsize=3,
                color=COLORS["xent"], label="probe on the checkpoint (ground truth)")
    ceiling, weak = record["rungs"][record["strong"]], record["rungs"][record["weak"]]
    ax.axhline(ceiling["binary"]["mean"], ls="--", color=COLORS["ceiling"], label=f"ceiling: {record['strong']}")
    x_weak = xs[record["checkpoints"].index(weak["model"])]
    ax.plot([x_weak], [weak["binary"]["mean"]], "*", ms=15, color=COLORS["weak"], mec="black",
            label=f"supervisor: {weak['model']}", zorder=4)
    ax.axhline(0.5, ls=":", color="gray", label="chance")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xticks(xs, [f"{x:g}%" for x in xs])
    ax.set_xlabel("share of the pretraining run's steps (one encoder's checkpoints)")
    ax.set_ylabel("binary test accuracy")
    ax.set_title(f"{record['rung']}: accuracy by pretraining compute ({len(record['fresh_seeds'])} seeds)")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plot_pgr_by_gap(points: list[dict], ax=None, min_gap: float = 0.02):
    """PGR against the supervisor-to-ceiling gap, one marker per run with its 95% interval, a colour per
    setting. Each point: ``setting`` (e.g. "chess", "text"), ``label``, ``gap``, ``pgr``, ``ci``.
    Points whose gap is under ``min_gap`` are left out (PGR divides by the gap: within noise of zero it
    means nothing) and named under the axis."""
    fig, ax = _axes(ax, (6.5, 4.2))
    palette = {"chess": "#8e5ea2", "text": "#3a9d5d"}
    left_out = [p for p in points if not p["gap"] >= min_gap]
    points = [p for p in points if p["gap"] >= min_gap]
    for setting in dict.fromkeys(p["setting"] for p in points):
        mine = [p for p in points if p["setting"] == setting]
        gaps = np.asarray([p["gap"] for p in mine])
        pgrs = np.asarray([p["pgr"] for p in mine])
        err = np.abs(np.asarray([p["ci"] for p in mine], dtype=float).T - pgrs)
        ax.errorbar(gaps, pgrs, yerr=err, fmt="o", capsize=3, color=palette.get(setting), label=setting)
        for p in mine:
            ax.annotate(p["label"], (p["gap"], p["pgr"]), textcoords="offset points", xytext=(5, 4), fontsize=7)
    ax.axhline(0.0, color="gray", lw=0.8)
    ax.axhline(1.0, color="gray", lw=0.8, ls=":")
    xlabel = "gap: ceiling minus supervisor (test accuracy)"
    if left_out:
        xlabel += "\nleft out, gap under {:g}: {}".format(min_gap, ", ".join(f"{p['setting']} {p['label']}"
                                                                            for p in left_out))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("PGR (95% interval)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path) -> None:
    """Save atomically as PNG and close the figure."""
    import matplotlib.pyplot as plt

    from ..cache import atomic_write

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)


def save_result(result, out_dir: str | Path) -> Path:
    """Write ``results.json`` and ``results.png`` (:func:`plot_result`) into ``out_dir``; returns the
    JSON path. What ``w2s-edu run`` writes."""
    path = result.save(out_dir)
    save_figure(plot_result(result), Path(path).parent / "results.png")
    return path
