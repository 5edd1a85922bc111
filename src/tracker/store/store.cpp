// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/store/store.h"

#include "tracker/store/sqlsettings.h"
#include "tracker/store/sqlstore.h"

namespace swarmshare::tracker {

Result<std::unique_ptr<Store>> createStore(const QString& url, const QString& defaultSqlitePath)
{
    Result<SqlSettings> settings = parseStoreUrl(url, defaultSqlitePath);
    if (!settings)
        return settings.error();
    return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(settings).value()));
}

} // namespace swarmshare::tracker
