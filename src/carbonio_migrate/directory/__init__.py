"""The source directory: Active Directory or OpenLDAP, read with paged searches."""
