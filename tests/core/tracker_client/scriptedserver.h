// SPDX-License-Identifier: GPL-3.0-or-later
// A loopback HTTP server that answers from a script, for testing the client's decisions
// (failover, timeouts, size bounds, Retry-After) that a healthy tracker never provokes.
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>

namespace swarmshare::test {

class ScriptedServer {
public:
    struct Answer {
        QByteArray raw;    // the whole HTTP response
        bool hang = false; // never answer
    };

    struct Request {
        QByteArray head;
        QByteArray body;
        QByteArray requestLine() const { return head.left(head.indexOf("\r\n")); }
        QByteArray path() const { return requestLine().split(' ').value(1); }
        bool hasHeader(const QByteArray& line) const
        {
            return head.contains("\r\n" + line + "\r\n");
        }
    };

    ScriptedServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] { accept(); });
    }

    // The sockets are children of m_server, which is destroyed after m_buffers: quiet them
    // first so that their `disconnected` handlers never touch a destroyed member.
    ~ScriptedServer()
    {
        for (QTcpSocket* socket : m_server.findChildren<QTcpSocket*>())
            socket->disconnect();
    }

    QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }

    // Answers in order; the last one is repeated.
    void setScript(QList<Answer> answers) { m_script = std::move(answers); }
    qsizetype requests() const { return m_received.size(); }
    const QList<Request>& received() const { return m_received; }

    static Answer json(int status, const QByteArray& body, const QByteArray& headers = {})
    {
        return {"HTTP/1.1 " + QByteArray::number(status) +
                    " X\r\nContent-Type: application/json\r\nConnection: close\r\n" + headers +
                    "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body,
                false};
    }

    static Answer error(int status, const char* code, const QByteArray& headers = {})
    {
        return json(status, QByteArray("{\"error\":{\"code\":\"") + code + "\",\"message\":\"m\"}}",
                    headers);
    }

    static Answer hang() { return {{}, true}; }

private:
    void accept()
    {
        while (QTcpSocket* socket = m_server.nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::readyRead, socket,
                             [this, socket] { readFrom(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, [this, socket] {
                m_buffers.remove(socket);
                socket->deleteLater();
            });
        }
    }

    void readFrom(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request request{buffer.left(end + 2), {}};
        qsizetype length = 0;
        for (const QByteArray& line : request.head.split('\n')) {
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        }
        if (buffer.size() < end + 4 + length)
            return;
        request.body = buffer.mid(end + 4, length);
        m_buffers.remove(socket);
        m_received.append(request);
        const Answer answer = m_script.value(qMin(m_received.size(), m_script.size()) - 1);
        if (answer.hang)
            return;
        socket->write(answer.raw);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QList<Answer> m_script;
    QList<Request> m_received;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};

} // namespace swarmshare::test
