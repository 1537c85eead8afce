# The supervisor's (pembina's) pages: the regions below.
nav-regions = Supervised regions
regions-title = Supervised regions
regions-up = ← The region above
regions-read-only = Read-only: a supervisor sees the figures of the regions below and changes nothing.
regions-search = Search a name or code
regions-sort = Sort by
regions-name = Name
regions-region = Region
regions-absorption = Budget absorption
regions-none = No registered region below this one matches.
regions-all-programs = All programs of its kab/kota
