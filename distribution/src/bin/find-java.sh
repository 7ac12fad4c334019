# Sourced by bin/portcullis and by ./dev: sets JAVA to a java launcher of a JDK 21 or newer (and JAVA_MAJOR to its
# version), or explains what to
# install and returns non-zero. Takes $JAVA_HOME when it is a JDK 21+, else the newest JDK 21+ under /usr/lib/jvm,
# else the java on the PATH.

portcullis_java_major() {
  # Prints the feature version of the given java launcher (17, 21, 25...), or nothing if it does not run.
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

portcullis_find_java() {
  local required=21 candidate major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for candidate in $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
    candidates+=("$candidate")
  done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")

  local best="" best_major=0 first=1
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || { first=0; continue; }
    major=$(portcullis_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$required" ]; then
      # An explicit JAVA_HOME wins; among the others, the newest version does.
      if [ "$first" = 1 ] && [ -n "${JAVA_HOME:-}" ]; then
        best="$candidate"; best_major="$major"; break
      fi
      if [ "$major" -gt "$best_major" ]; then
        best="$candidate"; best_major="$major"
      fi
    fi
    first=0
  done
  if [ -n "$best" ]; then
    JAVA="$best"
    JAVA_MAJOR="$best_major"
    JAVA_HOME="$(cd "$(dirname "$best")/.." && pwd)"
    export JAVA JAVA_MAJOR JAVA_HOME
    return 0
  fi

  {
    echo "Portcullis needs a Java Development Kit ${required} or newer, and none was found."
    echo "Looked at: \$JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm/*, and the java on the PATH."
    for candidate in "${candidates[@]}"; do
      [ -x "$candidate" ] && echo "  $candidate is Java $(portcullis_java_major "$candidate")"
    done
    echo "Install one, for example 'apt-get install openjdk-21-jdk' (Debian/Ubuntu) or Temurin 21+,"
    echo "or point JAVA_HOME at an existing JDK ${required}+."
  } >&2
  return 1
}
