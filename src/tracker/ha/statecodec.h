// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker/store/store.h"
#include "tracker/swarmregistry.h"

#include <QJsonObject>

namespace swarmshare::tracker::ha {

// The tracker's state as JSON for replication (docs/ha.md): one function pair per kind of
// object, each delta a small object with a "t" (type) field. Binary fields are hex (hashes, ids)
// or base64 (bitfields, .torrent files). Decoding is strict: a follower trusts its primary, but a
// malformed delta must stop replication with a message rather than corrupt the state.
namespace delta {
inline constexpr char16_t kAccount[] = u"account";
inline constexpr char16_t kToken[] = u"token";
inline constexpr char16_t kTokenRemoved[] = u"token-";
inline constexpr char16_t kTokensExpired[] = u"tokens-expired";
inline constexpr char16_t kFile[] = u"file";
inline constexpr char16_t kPeer[] = u"peer";
inline constexpr char16_t kPeerRemoved[] = u"peer-";
inline constexpr char16_t kLease[] = u"lease";
inline constexpr char16_t kLeaseRemoved[] = u"lease-";
inline constexpr char16_t kSwarmFile[] = u"swarm-file";
} // namespace delta

QJsonObject toJson(const Account& account);
QJsonObject toJson(const TokenRecord& token);
QJsonObject toJson(const FileRecord& file);
QJsonObject toJson(const SwarmRegistry::PeerState& peer);
QJsonObject toJson(const SwarmRegistry::LeaseState& lease);
QJsonObject toJson(const SwarmRegistry::FileState& file);

Result<Account> accountFromJson(const QJsonObject& json);
Result<TokenRecord> tokenFromJson(const QJsonObject& json);
Result<FileRecord> fileFromJson(const QJsonObject& json);
Result<SwarmRegistry::PeerState> peerFromJson(const QJsonObject& json);
Result<SwarmRegistry::LeaseState> leaseFromJson(const QJsonObject& json);
Result<SwarmRegistry::FileState> swarmFileFromJson(const QJsonObject& json);

// Everything a follower needs to start: the store's rows and the registry's objects.
Result<QJsonObject> snapshot(Store& store, const SwarmRegistry& registry, qint64 nowMs);
// Replaces the follower's state with a snapshot.
Result<void> loadSnapshot(const QJsonObject& snapshot, Store& store, SwarmRegistry& registry,
                          qint64 nowMs);
// Applies one delta (idempotent).
Result<void> apply(const QJsonObject& delta, Store& store, SwarmRegistry& registry, qint64 nowMs);

} // namespace swarmshare::tracker::ha
