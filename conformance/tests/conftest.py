import sys
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CONFORMANCE))
