#!/bin/sh
# The official mariadb image's `healthcheck.sh --connect --innodb_initialized`, reduced to what the
# test image needs: the server answers on its socket (the flags are accepted and ignored).
exec mariadb-admin --protocol=socket ping --silent >/dev/null 2>&1
