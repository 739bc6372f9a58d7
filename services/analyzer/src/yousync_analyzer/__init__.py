"""YouSync analyzer: the reference analysis model server (CPU scoring over a bidirectional stream).

Kept free of heavy imports so that pool workers can set their thread limits before numpy loads.
"""

MODEL_VERSION = "yousync-cpu-scorer/1.3.0 (pocketsphinx-en-us, parselmouth)"
