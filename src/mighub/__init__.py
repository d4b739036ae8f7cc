"""mighub: a self-hostable AWS Migration Hub that speaks the AWS API."""

__version__ = "0.1.0"
