"""The lessons' small worlds, built on the package but not part of its pipeline:

* :mod:`.rlhf` (lesson 01): a judge with a blind spot, a Bradley-Terry reward model, best-of-n overoptimisation;
* :mod:`.synthetic` (lesson 02): a world where weak labels are noisy in ways we control;
* :mod:`.handmade` (lesson 03): the weak-to-strong experiment run on the learner's own functions;
* :mod:`.theory` (lesson 06): why it can work and when it cannot: a regression world for the misfit
  inequality, a coverage world for pseudolabel correction and coverage expansion, a capacity sweep;
* :mod:`.open_problems` and :mod:`.hidden_behaviour` (lesson 09): teacher strength, self-training, a
  password-locked model.

A new lesson's world goes here; the pipeline it uses stays in the lower layers.
"""
