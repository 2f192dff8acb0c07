#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django keeps a settings error to itself so that `help` still works, and then fails later
    # with whatever touches the unloaded apps first ("Models aren't loaded yet"). Say what is
    # wrong with the environment instead (see config/settings.py and .env.example).
    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading it loads config/settings.py)
    except ImproperlyConfigured as error:
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
