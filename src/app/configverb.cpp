// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare config`: checks the configuration file and prints the effective settings.
#include "app/verb.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace swarmshare::app {

namespace {

class ConfigVerb final : public Verb {
    Q_DECLARE_TR_FUNCTIONS(ConfigVerb)

public:
    QString name() const override { return QStringLiteral("config"); }

    QString summary() const override
    {
        return tr("Check the configuration file and print the settings in effect.");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addOptions({
            {QStringLiteral("defaults"), tr("Print the built-in defaults instead.")},
            {QStringLiteral("describe"), tr("Print a table of every key (Markdown).")},
            {QStringLiteral("path"), tr("Print the path of the configuration file in use.")},
        });
    }

    int run(VerbContext& context) override
    {
        const QCommandLineParser& parser = context.parser();
        if (!parser.positionalArguments().isEmpty())
            return context.usageError(
                tr("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));
        if (parser.isSet(QStringLiteral("path"))) {
            context.out() << context.configPath() << '\n';
            return 0;
        }
        if (parser.isSet(QStringLiteral("describe"))) {
            context.out() << describe();
            return 0;
        }
        const Config config =
            parser.isSet(QStringLiteral("defaults")) ? Config{} : context.config();
        context.out() << QString::fromUtf8(QJsonDocument(config.toJson()).toJson());
        return 0;
    }

private:
    static QString typeOf(const ConfigKey& key)
    {
        switch (key.type) {
        case ConfigKey::Type::Integer:
            return QStringLiteral("integer, %1 to %2").arg(key.minimum).arg(key.maximum);
        case ConfigKey::Type::Boolean:
            return QStringLiteral("boolean");
        case ConfigKey::Type::String:
            return QStringLiteral("string");
        case ConfigKey::Type::StringList:
            return QStringLiteral("list of strings");
        }
        return {};
    }

    // The reference table in docs/configuration.md is this output (a test keeps them equal).
    static QString describe()
    {
        const Config defaults;
        QString text = QStringLiteral("| Key | Type | Default | Meaning |\n|---|---|---|---|\n");
        for (const ConfigKey& key : ConfigKey::all()) {
            const QJsonValue value = key.get(defaults);
            QString shown;
            if (value.isArray())
                shown = QString::fromUtf8(
                    QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
            else if (value.isString())
                shown = QLatin1Char('"') + value.toString() + QLatin1Char('"');
            else if (value.isBool())
                shown = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
            else
                shown = QString::number(value.toInteger());
            text += QStringLiteral("| `%1` | %2 | `%3` | %4 |\n")
                        .arg(key.path, typeOf(key), shown, key.description);
        }
        return text;
    }
};

} // namespace

std::unique_ptr<Verb> makeConfigVerb()
{
    return std::make_unique<ConfigVerb>();
}

} // namespace swarmshare::app
