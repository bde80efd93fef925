//! ECKWMS label sheets: A4 PDF and SVG with QR codes, and QR images. Pure: no I/O.
