"""Oracle for `assay check --junit`: reads JUnit XML files with junitparser
5.0.3, as CI systems' JUnit readers do.

Reads a JSON list of cases from the file named by argv[1]; each case is
{"path": a JUnit XML file}. Prints, per case, {"suites": per testsuite
{"name", "tests", "failures", "skipped", "cases": per testcase {"name",
"classname", "result": "passed" | "failure" | "skipped", "message"}}}.
"""

import json
import sys

from junitparser import Failure, JUnitXml, Skipped


def read(path):
    xml = JUnitXml.fromfile(path)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            result = "passed"
            message = None
            for r in case.result:
                if isinstance(r, Failure):
                    result = "failure"
                    message = r.message
                elif isinstance(r, Skipped):
                    result = "skipped"
                    message = r.message
            cases.append(
                {
                    "name": case.name,
                    "classname": case.classname,
                    "result": result,
                    "message": message,
                }
            )
        suites.append(
            {
                "name": suite.name,
                "tests": suite.tests,
                "failures": suite.failures,
                "skipped": suite.skipped,
                "cases": cases,
            }
        )
    return {"suites": suites}


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print(json.dumps([read(c["path"]) for c in cases]))


if __name__ == "__main__":
    main()
