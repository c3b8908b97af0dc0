"""The floor for the desk's cold start: a bare PySide6 process that shows one QLabel.

    QT_QPA_PLATFORM=offscreen python bench/bare_window.py

Prints ``window shown: RSS kB`` once the label is shown (after one round of events, as
the desk does before it prints ``queue shown``), then exits. ``bench/ui.py`` times it
from process start to that line and reads its memory.
"""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    app = QApplication(sys.argv[:1])
    label = QLabel("乡镇便民服务中心")
    label.resize(320, 80)
    label.show()
    app.processEvents()
    print(f"window shown: {rss_kib()} kB", flush=True)
    QTimer.singleShot(0, label.close)
    QTimer.singleShot(0, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
