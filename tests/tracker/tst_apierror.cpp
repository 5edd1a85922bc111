// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/apierror.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using swarmshare::tracker::ApiError;

class TestApiError : public QObject {
    Q_OBJECT

private slots:
    void statusesFitTheirCodes_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("expectedStatus");
        QTest::addColumn<QString>("expectedCode");
        const auto row = [](const char* name, const ApiError& e, int status, const char* code) {
            QTest::newRow(name) << e.status() << e.code() << status << QString::fromLatin1(code);
        };
        row("invalid", ApiError::invalidArgument(QStringLiteral("m")), 400, "invalid_argument");
        row("unauth", ApiError::unauthenticated(QStringLiteral("m")), 401, "unauthenticated");
        row("forbidden", ApiError::forbidden(QStringLiteral("m")), 403, "forbidden");
        row("unknown peer", ApiError::notFound(QStringLiteral("unknown_peer"), QStringLiteral("m")),
            404, "unknown_peer");
        row("conflict", ApiError::conflict(QStringLiteral("m")), 409, "conflict");
        row("too large", ApiError::tooLarge(QStringLiteral("m")), 413, "too_large");
        row("rate", ApiError::rateLimited(QStringLiteral("m"), 5), 429, "rate_limited");
        row("unavailable", ApiError::unavailable(QStringLiteral("m")), 503, "unavailable");
    }

    void statusesFitTheirCodes()
    {
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(int, expectedStatus);
        QFETCH(QString, expectedCode);
        QCOMPARE(status, expectedStatus);
        QCOMPARE(code, expectedCode);
    }

    void bodyHasTheDocumentedShape()
    {
        const ApiError error =
            ApiError::invalidArgument(QStringLiteral("info_hash: \"x\" is not 40 hex"));
        const QJsonObject body = QJsonDocument::fromJson(error.toJson()).object();
        QCOMPARE(body.keys(), QStringList{QStringLiteral("error")});
        const QJsonObject inner = body.value(QStringLiteral("error")).toObject();
        QCOMPARE(inner.value(QStringLiteral("code")).toString(),
                 QStringLiteral("invalid_argument"));
        QCOMPARE(inner.value(QStringLiteral("message")).toString(),
                 QStringLiteral("info_hash: \"x\" is not 40 hex"));
    }

    void retryAfterIsAtLeastOneSecond()
    {
        QCOMPARE(ApiError::rateLimited(QStringLiteral("slow down"), 0).retryAfterSeconds(), 1);
        QCOMPARE(ApiError::rateLimited(QStringLiteral("slow down"), 30).retryAfterSeconds(), 30);
    }
};

QTEST_GUILESS_MAIN(TestApiError)
#include "tst_apierror.moc"
