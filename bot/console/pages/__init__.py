"""The console's pages by topic; each handler is a Starlette endpoint (see bot.console.http)."""
