"""The desk side of county sync (Qt-free): the HTTP client and the sync round."""
