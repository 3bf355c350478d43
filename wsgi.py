"""The served site (gunicorn wsgi:app; `flask --app wsgi run`)."""
import gc

from wardens import create_app

app = create_app()

# Everything alive now lives as long as the process: the app, its templates and catalogs, and
# pypinyin's phrase dictionary (about 190,000 lists). Left in the collector's oldest generation,
# every full collection walked them, adding 75-100 ms to whichever request set it off (a
# county's matcher run sets off one in two). Frozen, a full collection walks only what requests
# made. (The documented use of gc.freeze: after start-up, before serving.)
gc.freeze()
