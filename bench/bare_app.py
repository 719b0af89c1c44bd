"""The baseline of bench_clockin_load.py: the barest useful clock-in endpoint — Flask, one
JSON body, one INSERT with the raw driver into a table of the same shape, one commit — on the
same database and under the same gunicorn settings as the product's endpoint."""
from __future__ import annotations

import os
import sqlite3

from flask import Flask, jsonify, request

DATABASE = os.environ["BARE_DATABASE"]  # a SQLite path or a libpq URL
app = Flask(__name__)
_connection = None


def connection():
    global _connection
    if _connection is None:
        if DATABASE.startswith("postgresql"):
            import psycopg

            _connection = psycopg.connect(DATABASE)
        else:
            _connection = sqlite3.connect(DATABASE, timeout=10, isolation_level=None)
            _connection.execute("PRAGMA journal_mode=WAL")
            _connection.execute("PRAGMA synchronous=NORMAL")
    return _connection


@app.post("/punch")
def punch():
    body = request.get_json()
    conn = connection()
    if DATABASE.startswith("postgresql"):
        with conn.transaction():
            conn.execute("INSERT INTO bare_punch (staff_no, at, source) VALUES (%s, %s, %s)",
                         (body["staff_no"], body["at"], body["source"]))
    else:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bare_punch (staff_no, at, source) VALUES (?, ?, ?)",
                     (body["staff_no"], body["at"], body["source"]))
        conn.execute("COMMIT")
    return jsonify(created=1), 201
