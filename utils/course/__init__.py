"""The course's tooling, apart from the lesson helpers that students read.

- `utils.course.notebooks`: the notebook format (badges, setup cell, README table, text form)
- `utils.course.release`: the student edition built from the complete one
- the submission checker, split the way a submission flows through it:
  `reading` (the file, before any code runs), `sandbox` (bubblewrap around every process of a
  notebook), `running` (the notebook in a sandboxed kernel), `judging` (static checks and the
  exercise checks re-run from the source), `report` (terminal, CSV, merge), `lab` (the CLI).
- `utils.course.answer_key`: a team's expected numbers for the graded lab (`python -m utils.lab key`)
- `utils.course.site`: the readers' edition, a static website (`python -m utils.site build`)
- `utils.course.colab_twin`: every notebook run as Colab would, on Colab's exact stack
  (`.ci/colab-twin RUNTIME`)

The commands stay `python -m utils.notebooks …`, `python -m utils.release`, `python -m utils.lab …`.
"""
