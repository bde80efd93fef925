//! ECKWMS codes: what a scanner reads and what a label carries. Pure: no I/O.
