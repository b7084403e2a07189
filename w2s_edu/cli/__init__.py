"""The command line: ``w2s-edu`` (:mod:`.main`: run, sweep, tasks, models, losses, doctor, render,
chess-pretrain), its shared experiment options (:mod:`.args`), the environment check (:mod:`.doctor`)
and the multi-process launcher (:mod:`.distributed`: ``accelerate launch -m w2s_edu.cli.distributed``).
The top layer: it may import every other package, and nothing imports it."""
