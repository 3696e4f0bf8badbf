"""The destination: Carbonio's admin SOAP API, its REST import and its prov command syntax."""
