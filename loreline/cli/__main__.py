from loreline.cli.main import app

app()
