# scripts/sql_include.awk — used by the Makefile to assemble upgrade scripts:
# a line "-- @include sql/NN_module.sql" in an upgrade fragment is replaced by
# that module fragment (a module new in the version is created exactly as a
# fresh install creates it, from one source); the "\echo Use ..." guards of
# the fragments are dropped (the assembled script has its own).
/^\\echo Use "(CREATE|ALTER) EXTENSION/ { next }
/^-- @include / {
  file = $3
  while ((getline line < file) > 0)
    if (line !~ /^\\echo Use "CREATE EXTENSION/) print line
  close(file)
  next
}
{ print }
