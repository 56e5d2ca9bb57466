"""The ``kubectl osiris`` / ``oc osiris`` plugin: archived builds and logs from the terminal."""
