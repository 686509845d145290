# The same conventions as in Vietnamese: dd/mm/yyyy and 6.311 / 100,2 (see config/formats/vi).
from config.formats.vi.formats import *  # noqa: F401,F403
