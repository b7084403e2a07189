"""Scaling up: memory arithmetic for training large models (:mod:`.memory`: weights, gradients, AdamW
state, autocast copies, activations; will it fit, and with which micro-batch). Built on the parameter
counts of :mod:`w2s_edu.models.params`; nothing here builds a model or downloads one."""
