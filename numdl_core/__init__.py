"""numdl_core: the numerical library behind NumDL Studio.

Pure numpy/scipy implementations of the methods of "Numerical Methods for Deep Learning"
(Ruthotto and Haber) and "Deep Learning Theory", written to be read next to the slides and
imported in a notebook. No Streamlit, no plotting, no I/O, no global state.

Modules: ``iterate`` (the iteration protocol every iterative method follows: ``Step`` records, work in
data passes, divergence, tunables changed mid-run with ``gen.send``), ``solvers`` (the registry ``SOLVERS`` of
all iterative methods by name), ``data`` (data sets), ``checks`` (Taylor and adjoint tests, agreement with a
reference), ``optim`` (optimizers), ``lstsq`` (linear least squares), ``testproblems`` (the course's
least-squares problems), and one module per topic. The public contract is ``docs/api.md``.
"""
from numdl_core.optim import Step

__all__ = ["Step"]
__version__ = "0.1.0"
