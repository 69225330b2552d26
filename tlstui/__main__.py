from tlstui.cli import run

run()
