"""numdl_core: the numerical library behind NumDL Studio.

Pure numpy/scipy implementations of the methods of "Numerical Methods for Deep Learning"
(Ruthotto and Haber) and "Deep Learning Theory", written to be read next to the slides and
imported in a notebook. No Streamlit, no plotting, no I/O, no global state.

Modules: ``data`` (data sets), ``checks`` (Taylor and adjoint tests), ``optim`` (optimizers as
generators of ``Step``), ``lstsq`` (linear least squares), ``testproblems`` (the course's
least-squares problems), and the topic modules added with each page.
"""
from numdl_core.optim import Step

__all__ = ["Step"]
__version__ = "0.1.0"
