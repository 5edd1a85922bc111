// SPDX-License-Identifier: GPL-3.0-or-later
// What GUI tests do to widgets as a user would: screenshots, drops of files.
#pragma once

#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QMimeData>
#include <QTest>
#include <QUrl>
#include <QWidget>

namespace swarmshare::test {

// The child of `parent` with this object name (a name from a .ui file, say); a test that cannot
// find the widget it drives stops at once, saying which.
template<typename T>
T* child(QObject* parent, const char* name)
{
    T* found = parent->findChild<T*>(QString::fromLatin1(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

// Saves `widget` as screenshots/NAME.png in the test's working folder (the build tree, where
// they are looked at and copied into the README), after pending relayouts (a button whose text
// just changed).
inline void saveScreenshot(QWidget& widget, const QString& name)
{
    const QString dir = QDir::current().filePath(QStringLiteral("screenshots"));
    QVERIFY(QDir().mkpath(dir));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QVERIFY(widget.grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))));
}

// Drags local files onto the middle of `window` and drops them (real QDragEnterEvent and
// QDropEvent with file URLs); both must be accepted.
inline void dropFiles(QWidget& window, const QStringList& paths)
{
    QMimeData data;
    QList<QUrl> urls;
    for (const QString& path : paths)
        urls << QUrl::fromLocalFile(path);
    data.setUrls(urls);
    const QPoint at = window.rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    QVERIFY(drop.isAccepted());
}

} // namespace swarmshare::test
