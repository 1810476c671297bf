"""A local Spark session for the bronze job's tests and benchmark.

Spark comes from .ci/install-spark-peer: pyspark (with Spark's jars) in the
project's virtual environment and the spark-avro jar in .cache/spark-peer,
described by .cache/spark-peer/spark.json (CFAVRO_SPARK_DIR moves it). Nothing
here uses the network: jars are passed by local path (spark.jars).

The session runs the driver's Python for its workers (the virtual
environment's), ships python/cfavro.py and examples/pyspark/bronze_job.py to
them as --py-files would, and reads timestamps in UTC.
"""

import json
import os
import sys

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(SOURCE_ROOT, 'examples', 'pyspark')
PYTHON_BINDING = os.path.join(SOURCE_ROOT, 'python')
LOG_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'log4j2.properties')
EXIT_NOT_INSTALLED = 77  # meson's "skipped"


class PeerNotInstalled(Exception):
    """No usable Spark: run .ci/install-spark-peer."""


def spark_dir():
    return os.environ.get('CFAVRO_SPARK_DIR') or os.path.join(SOURCE_ROOT, '.cache', 'spark-peer')


def find_installation():
    """spark.json, with its Java, jar and pyspark checked; or PeerNotInstalled."""
    manifest = os.path.join(spark_dir(), 'spark.json')
    try:
        with open(manifest, encoding='utf-8') as f:
            info = json.load(f)
    except FileNotFoundError:
        raise PeerNotInstalled('%s not found: run .ci/install-spark-peer' % manifest) from None
    except (OSError, ValueError) as e:
        raise PeerNotInstalled('%s unreadable (%s): run .ci/install-spark-peer'
                               % (manifest, e)) from None
    java = os.path.join(info.get('java_home', ''), 'bin', 'java')
    if not os.access(java, os.X_OK):
        raise PeerNotInstalled('no Java at %s: run .ci/install-spark-peer' % java)
    if not os.path.isfile(info.get('spark_avro_jar', '')):
        raise PeerNotInstalled('no spark-avro jar at %r: run .ci/install-spark-peer'
                               % info.get('spark_avro_jar'))
    try:
        import pyspark
    except ImportError:
        raise PeerNotInstalled('pyspark is not importable by %s (the install uses %s)'
                               % (sys.executable, info.get('python'))) from None
    if pyspark.__version__ != info.get('spark_version'):
        raise PeerNotInstalled('pyspark %s here, %s installed: run .ci/install-spark-peer'
                               % (pyspark.__version__, info.get('spark_version')))
    return info


def installation_or_exit(who):
    """find_installation(), or exit: 77 (skipped) by hand, 1 in CI (CI=true),
    where a missing peer is a failure."""
    try:
        return find_installation()
    except PeerNotInstalled as e:
        in_ci = os.environ.get('CI') == 'true'
        print('%s: %s: %s' % (who, 'FAILED (CI)' if in_ci else 'skipped', e), file=sys.stderr)
        sys.exit(1 if in_ci else EXIT_NOT_INSTALLED)


# For tests: the JVM's quick compiler only and a small serial heap start and
# run small jobs faster than the defaults (never for the benchmark).
QUICK_JVM = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC'


def local_session(info, master='local[2]', jars=(), conf=None, app='cfavro-spark-test',
                  quick_jvm=False):
    """A quiet local SparkSession: no UI, few shuffle partitions, UTC."""
    os.environ['JAVA_HOME'] = info['java_home']
    os.environ['PYSPARK_PYTHON'] = sys.executable
    os.environ['PYSPARK_DRIVER_PYTHON'] = sys.executable
    os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'
    # collect() turns timestamps into the local time of the Python process.
    os.environ['TZ'] = 'UTC'
    import time
    time.tzset()
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master(master).appName(app)
               .config('spark.ui.enabled', 'false')
               .config('spark.ui.showConsoleProgress', 'false')
               .config('spark.sql.shuffle.partitions', '2')
               .config('spark.sql.session.timeZone', 'UTC')
               .config('spark.driver.bindAddress', '127.0.0.1')
               .config('spark.driver.host', '127.0.0.1')
               .config('spark.driver.memory', '1g')
               .config('spark.driver.extraJavaOptions',
                       '-Dlog4j2.configurationFile=file:' + LOG_CONFIG
                       + (' ' + QUICK_JVM if quick_jvm else ''))
               .config('spark.sql.execution.arrow.pyspark.enabled', 'true'))
    if jars:
        builder = builder.config('spark.jars', ','.join(jars))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel('ERROR')
    # What spark-submit --py-files does: the workers import these.
    spark.sparkContext.addPyFile(os.path.join(PYTHON_BINDING, 'cfavro.py'))
    spark.sparkContext.addPyFile(os.path.join(EXAMPLES, 'bronze_job.py'))
    return spark


def import_paths():
    """Make the driver import the same cfavro.py and bronze_job.py."""
    for path in (EXAMPLES, PYTHON_BINDING):
        if path not in sys.path:
            sys.path.insert(0, path)
