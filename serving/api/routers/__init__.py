"""One router per domain; `serving.api.app.ROUTERS` lists what `create_app` includes."""
