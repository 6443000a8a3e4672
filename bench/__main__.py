"""Run every benchmark in turn; each prints its own figures."""

from bench import register_import, serving, verification

if __name__ == "__main__":
    serving.main()
    verification.main()
    register_import.main()
