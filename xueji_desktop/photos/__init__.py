"""Student photos: checking, fixing and batch import (spec README §5)."""
