"""Operations on the archive as a whole: ``osiris verify`` and ``osiris retention``."""
