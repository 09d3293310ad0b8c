"""moto's server with kubemend's extra CloudFormation resource types (moto_extras.py) registered
first: `python moto_server.py -H 127.0.0.1 -p PORT`, the same arguments as moto_server."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_extras  # noqa: E402,F401  (registers the CloudFormation models)
from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
