// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace swarmshare::app {

// Turns Unix signals (SIGINT, SIGTERM, ...) into a Qt signal on the thread that created the
// watcher: the handler only writes the signal number into a socket pair (async-signal-safe);
// a QSocketNotifier reads it in the event loop. One watcher per process.
class SignalWatcher : public QObject {
    Q_OBJECT

public:
    explicit SignalWatcher(std::initializer_list<int> numbers, QObject* parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void received(int signal);

private:
    QSocketNotifier* m_notifier = nullptr;
    QList<int> m_numbers;
};

} // namespace swarmshare::app
