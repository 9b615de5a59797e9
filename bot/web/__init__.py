"""The web layer: the FastAPI app (:mod:`bot.web.app`) and the static console and chat widget."""
