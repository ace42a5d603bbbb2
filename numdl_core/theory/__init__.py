"""The "Deep Learning Theory" labs: one module per topic, each checking a paper's claim numerically.

Modules: ``intro`` (universal approximation, the optimizer zoo, autoencoders as nonlinear PCA), ``implicit_bias``
(algorithmic regularization), ``dropout``, ``landscapes`` (tractable loss landscapes), ``sparse``
(convolutional sparse coding: ISTA, FISTA, LISTA), ``adversarial`` (vulnerability: FGSM, PGD). Pure numpy/scipy,
like the rest of ``numdl_core``; the contract is ``docs/api.md``.
"""
