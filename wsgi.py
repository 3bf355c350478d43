from wardens import create_app

app = create_app()
