"""Quoting for the SQL the engine builds itself (user values always go as parameters, never through here)."""


def ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
