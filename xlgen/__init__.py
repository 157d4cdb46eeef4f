"""xlgen: formula-driven Excel workbooks for SGD, momentum and weight decay, checked against a numpy reference."""

__version__ = "0.1.0"
