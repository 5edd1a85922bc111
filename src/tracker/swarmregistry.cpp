// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/swarmregistry.h"

#include <QRandomGenerator>
#include <QScopedValueRollback>
#include <QSet>

#include <algorithm>

namespace swarmshare::tracker {

struct SwarmRegistry::Peer {
    PeerInfo info;
    qint64 lastSeen = 0;
    std::list<Peer*>::iterator seenIt;
    QHash<QByteArray, bool> files;      // info-hash -> complete
    QHash<QByteArray, QByteArray> have; // partial holders' bitfields
    QSet<quint64> leasesAsHolder;
    QSet<quint64> leasesAsAsker;
};

namespace {

// A set with O(1) insert, remove and uniform random pick: a vector plus each item's index.
template<typename T>
class IndexedSet {
public:
    bool insert(T item)
    {
        if (m_index.contains(item))
            return false;
        m_index.insert(item, m_items.size());
        m_items.append(item);
        return true;
    }
    bool remove(T item)
    {
        const auto it = m_index.constFind(item);
        if (it == m_index.cend())
            return false;
        const qsizetype at = it.value();
        m_index.erase(it);
        if (at != m_items.size() - 1) {
            m_items[at] = m_items.constLast();
            m_index[m_items[at]] = at;
        }
        m_items.removeLast();
        return true;
    }
    bool contains(T item) const { return m_index.contains(item); }
    qsizetype size() const { return m_items.size(); }
    bool isEmpty() const { return m_items.isEmpty(); }
    const QList<T>& items() const { return m_items; }
    auto begin() const { return m_items.cbegin(); }
    auto end() const { return m_items.cend(); }

private:
    QList<T> m_items;
    QHash<T, qsizetype> m_index;
};

} // namespace

struct SwarmRegistry::File {
    FileInfo info;
    IndexedSet<Peer*> holders;  // complete
    IndexedSet<Peer*> leechers; // fetching
    quint64 completed = 0;
};

struct SwarmRegistry::Lease {
    quint64 id = 0;
    Peer* holder = nullptr;
    Peer* asker = nullptr;
    QByteArray infoHash;
    qint64 expires = 0;
    std::list<Lease*>::iterator it;
};

namespace {

Error unknownPeer()
{
    return makeCodedError(QStringLiteral("unknown_peer"),
                          QStringLiteral("this peer is not registered (or was dropped for "
                                         "silence): register again"));
}

bool anyBitSet(const QByteArray& bitfield)
{
    return std::any_of(bitfield.cbegin(), bitfield.cend(), [](char c) { return c != 0; });
}

} // namespace

SwarmRegistry::SwarmRegistry(Options options)
    : m_options(options)
{}

SwarmRegistry::~SwarmRegistry()
{
    qDeleteAll(m_leases);
    qDeleteAll(m_files);
    qDeleteAll(m_peers);
}

SwarmRegistry::File& SwarmRegistry::fileFor(const FileInfo& info, bool* created)
{
    File*& file = m_files[info.infoHash];
    *created = file == nullptr;
    if (!file) {
        file = new File;
        file->info = info;
    } else if (file->info.pieceCount == 0 && info.pieceCount > 0) {
        // An /announce peer came first and gave only the hash: the details are new.
        file->info = info;
        *created = true;
    }
    if (*created && m_journal)
        m_journal->fileChanged(info.infoHash);
    return *file;
}

void SwarmRegistry::touch(Peer& peer, qint64 now)
{
    peer.lastSeen = now;
    m_peersBySeen.splice(m_peersBySeen.end(), m_peersBySeen, peer.seenIt);
    // Every mutating call on a peer touches it first, so this also covers its other changes.
    if (m_journal)
        m_journal->peerChanged(peer.info.peerId);
}

void SwarmRegistry::notifySwarm(const QByteArray& infoHash)
{
    // The file's own state (details, counter) may not have changed, but a backup applying the
    // peers' deltas one at a time can lose the file in between (its last holder there goes
    // before the new one comes) and create it again from a holding: the file's delta, applied
    // after the peers', puts the counter back.
    if (m_journal)
        m_journal->fileChanged(infoHash);
    if (m_listener)
        m_listener->swarmChanged(infoHash);
}

QList<SwarmRegistry::FileInfo>
SwarmRegistry::registerPeer(const PeerInfo& info, const QList<Holding>& holdings, qint64 now)
{
    Peer*& slot = m_peers[info.peerId];
    const bool joined = slot == nullptr;
    if (joined) {
        slot = new Peer;
        slot->seenIt = m_peersBySeen.insert(m_peersBySeen.end(), slot);
    }
    Peer& peer = *slot;
    peer.info = info;
    touch(peer, now);

    // The new list replaces the old one; files in both stay attached (and known).
    const qsizetype count = std::min<qsizetype>(holdings.size(), m_options.maxFilesPerPeer);
    QSet<QByteArray> listed;
    for (qsizetype i = 0; i < count; ++i)
        listed.insert(holdings[i].file.infoHash);
    QHash<QByteArray, bool> previous;
    previous.swap(peer.files);
    for (auto it = previous.cbegin(); it != previous.cend(); ++it) {
        if (!listed.contains(it.key()))
            detachFrom(peer, it.key());
    }
    peer.have.clear();

    QList<FileInfo> added;
    for (qsizetype i = 0; i < count; ++i) {
        const Holding& holding = holdings[i];
        bool created = false;
        File& file = fileFor(holding.file, &created);
        if (created)
            added << holding.file;
        peer.files.insert(holding.file.infoHash, holding.complete);
        if (holding.complete) {
            file.leechers.remove(&peer);
            file.holders.insert(&peer);
            // A list naming the file twice may have left a bitfield: a holder has none.
            peer.have.remove(holding.file.infoHash);
        } else {
            file.holders.remove(&peer);
            file.leechers.insert(&peer);
            if (!holding.have.isEmpty())
                peer.have.insert(holding.file.infoHash, holding.have);
        }
        notifySwarm(holding.file.infoHash);
    }
    if (joined && m_listener)
        m_listener->peerJoined(peer.info);
    return added;
}

void SwarmRegistry::detachFrom(Peer& peer, const QByteArray& infoHash)
{
    auto fileIt = m_files.find(infoHash);
    if (fileIt == m_files.end())
        return;
    File* file = fileIt.value();
    file->holders.remove(&peer);
    file->leechers.remove(&peer);
    if (file->holders.isEmpty() && file->leechers.isEmpty()) {
        m_files.erase(fileIt);
        delete file;
        if (m_journal)
            m_journal->fileChanged(infoHash);
    }
    notifySwarm(infoHash);
}

Result<void> SwarmRegistry::heartbeat(const QByteArray& peerId,
                                      const QList<QByteArray>& nowComplete, qint64 now)
{
    Peer* peer = m_peers.value(peerId);
    if (!peer)
        return unknownPeer();
    touch(*peer, now);
    for (const QByteArray& hash : nowComplete) {
        File* file = m_files.value(hash);
        if (file && file->leechers.contains(peer))
            becomeHolder(*peer, *file);
    }
    // Leases live while the asker is still fetching their file: a peer that finished (or
    // dropped the download) without /complete_transfer lets them run out after leaseTtl.
    for (quint64 id : std::as_const(peer->leasesAsAsker)) {
        Lease* lease = m_leases.value(id);
        if (peer->files.value(lease->infoHash, true))
            continue;
        lease->expires = now + m_options.leaseTtlMs;
        m_leasesByEnd.splice(m_leasesByEnd.end(), m_leasesByEnd, lease->it);
        if (m_journal)
            m_journal->leaseChanged(id);
    }
    return {};
}

Result<QList<SwarmRegistry::Grant>> SwarmRegistry::leaseIdlePeers(const QByteArray& askerId,
                                                                  const QByteArray& infoHash, int n,
                                                                  qint64 now)
{
    Peer* asker = m_peers.value(askerId);
    if (!asker)
        return unknownPeer();
    touch(*asker, now);
    const File* file = m_files.value(infoHash);
    if (!file)
        return makeCodedError(QStringLiteral("not_found"),
                              QStringLiteral("no online peer has this file"));

    // Leases the asker already holds on this file are renewed, not doubled.
    QHash<const Peer*, Lease*> mine;
    for (quint64 id : std::as_const(asker->leasesAsAsker)) {
        Lease* lease = m_leases.value(id);
        if (lease->infoHash == infoHash)
            mine.insert(lease->holder, lease);
    }

    struct Candidate {
        Peer* peer;
        double load;
        bool complete;
        quint32 salt;
    };
    QList<Candidate> candidates;
    QRandomGenerator* random = QRandomGenerator::global();
    const auto consider = [&](Peer* peer, bool complete) {
        if (peer == asker)
            return;
        if (!complete && !anyBitSet(peer->have.value(infoHash)))
            return; // a leecher with nothing to give yet
        const int slotCount = std::max(1, peer->info.uploadSlots);
        const int active = int(peer->leasesAsHolder.size());
        if (active >= slotCount && !mine.contains(peer))
            return; // busy
        candidates.append({peer, double(active) / slotCount, complete, random->generate()});
    };
    for (Peer* peer : file->holders)
        consider(peer, true);
    for (Peer* peer : file->leechers)
        consider(peer, false);

    const qsizetype take = std::min<qsizetype>(std::max(n, 0), candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + take, candidates.end(),
                      [](const Candidate& a, const Candidate& b) {
                          if (a.load != b.load)
                              return a.load < b.load;
                          if (a.complete != b.complete)
                              return a.complete;
                          return a.salt < b.salt;
                      });
    QList<Grant> grants;
    grants.reserve(take);
    for (qsizetype i = 0; i < take; ++i) {
        Peer* holder = candidates[i].peer;
        Lease* lease = mine.value(holder);
        if (!lease) {
            lease = new Lease{m_nextLeaseId++, holder, asker, infoHash, 0, {}};
            lease->it = m_leasesByEnd.insert(m_leasesByEnd.end(), lease);
            m_leases.insert(lease->id, lease);
            holder->leasesAsHolder.insert(lease->id);
            asker->leasesAsAsker.insert(lease->id);
        } else {
            m_leasesByEnd.splice(m_leasesByEnd.end(), m_leasesByEnd, lease->it);
        }
        lease->expires = now + m_options.leaseTtlMs;
        if (m_journal)
            m_journal->leaseChanged(lease->id);
        grants.append({holder->info.peerId, holder->info.address, holder->info.port, lease->id,
                       candidates[i].complete});
    }
    return grants;
}

Result<int> SwarmRegistry::completeTransfer(const QByteArray& askerId, const QByteArray& infoHash,
                                            const QList<quint64>& leaseIds, qint64 now)
{
    Peer* asker = m_peers.value(askerId);
    if (!asker)
        return unknownPeer();
    touch(*asker, now);
    int released = 0;
    for (quint64 id : leaseIds) {
        const Lease* lease = m_leases.value(id);
        if (lease && lease->asker == asker && lease->infoHash == infoHash) {
            releaseLease(id);
            ++released;
        }
    }
    if (File* file = m_files.value(infoHash))
        becomeHolder(*asker, *file);
    return released;
}

void SwarmRegistry::becomeHolder(Peer& peer, File& file)
{
    // A leecher that becomes a holder finished a download: that is what `completed` counts.
    const bool wasLeecher = file.leechers.remove(&peer);
    if (file.holders.insert(&peer) && wasLeecher) {
        ++file.completed;
        if (m_journal)
            m_journal->fileChanged(file.info.infoHash);
    }
    peer.files.insert(file.info.infoHash, true);
    peer.have.remove(file.info.infoHash);
    if (m_journal)
        m_journal->peerChanged(peer.info.peerId);
    notifySwarm(file.info.infoHash);
}

void SwarmRegistry::releaseLease(quint64 leaseId)
{
    Lease* lease = m_leases.take(leaseId);
    if (!lease)
        return;
    lease->holder->leasesAsHolder.remove(leaseId);
    lease->asker->leasesAsAsker.remove(leaseId);
    m_leasesByEnd.erase(lease->it);
    delete lease;
    if (m_journal)
        m_journal->leaseRemoved(leaseId);
}

void SwarmRegistry::erasePeer(Peer& peer)
{
    const QList<quint64> held = peer.leasesAsHolder.values();
    for (quint64 id : held)
        releaseLease(id);
    const QList<quint64> asked = peer.leasesAsAsker.values();
    for (quint64 id : asked)
        releaseLease(id);
    for (auto it = peer.files.cbegin(); it != peer.files.cend(); ++it)
        detachFrom(peer, it.key());
    m_peersBySeen.erase(peer.seenIt);
    const QByteArray id = peer.info.peerId;
    m_peers.remove(id);
    delete &peer;
    if (m_journal)
        m_journal->peerRemoved(id);
    if (m_listener)
        m_listener->peerLeft(id);
}

std::vector<const SwarmRegistry::PeerInfo*>
SwarmRegistry::announce(const PeerInfo& info, const QByteArray& infoHash, bool complete,
                        AnnounceEvent event, int numWant, qint64 now)
{
    Peer*& slot = m_peers[info.peerId];
    const bool joined = slot == nullptr;
    if (joined) {
        slot = new Peer;
        slot->seenIt = m_peersBySeen.insert(m_peersBySeen.end(), slot);
        slot->info = info;
    } else {
        slot->info.address = info.address;
        slot->info.port = info.port;
    }
    Peer& peer = *slot;
    touch(peer, now);
    if (event == AnnounceEvent::Stopped) {
        // A client that finishes and leaves at once may skip "completed": a stop with nothing
        // left from a peer known as a leecher is a finished download all the same.
        if (File* file = m_files.value(infoHash);
            file && complete && file->leechers.contains(&peer)) {
            ++file->completed;
            if (m_journal)
                m_journal->fileChanged(infoHash);
        }
        peer.files.remove(infoHash);
        peer.have.remove(infoHash); // a bitfield from /register would be stale by the next start
        detachFrom(peer, infoHash);
        if (peer.files.isEmpty())
            erasePeer(peer);
        return {};
    }
    bool created = false;
    File& file = fileFor({infoHash, QString(), 0, 0, 0}, &created);
    const bool wasLeecher = file.leechers.contains(&peer);
    if (complete) {
        file.leechers.remove(&peer);
        if (file.holders.insert(&peer) && (wasLeecher || event == AnnounceEvent::Completed)) {
            ++file.completed;
            if (m_journal)
                m_journal->fileChanged(infoHash);
        }
        peer.have.remove(infoHash); // a holder has every piece: no bitfield to keep
    } else {
        file.holders.remove(&peer);
        file.leechers.insert(&peer);
    }
    const auto known = peer.files.constFind(infoHash);
    const bool changed = known == peer.files.cend() || known.value() != complete;
    peer.files.insert(infoHash, complete);
    if (changed)
        notifySwarm(infoHash);
    if (joined && m_listener)
        m_listener->peerJoined(peer.info);

    // A seeder needs no other seeders; everyone gets a window of the rest starting at a random
    // place (O(numWant), and different peers get different windows).
    std::vector<const PeerInfo*> result;
    const qsizetype pool = (complete ? 0 : file.holders.size()) + file.leechers.size();
    const qsizetype want = std::min<qsizetype>(std::max(numWant, 0), pool);
    result.reserve(size_t(want));
    QRandomGenerator* random = QRandomGenerator::global();
    const qsizetype start = pool > 0 ? qsizetype(random->bounded(quint64(pool))) : 0;
    for (qsizetype i = 0; i < pool && qsizetype(result.size()) < want; ++i) {
        qsizetype at = (start + i) % pool;
        const Peer* other = nullptr;
        if (!complete && at < file.holders.size())
            other = file.holders.items()[at];
        else
            other = file.leechers.items()[complete ? at : at - file.holders.size()];
        if (other != &peer)
            result.push_back(&other->info);
    }
    return result;
}

void SwarmRegistry::removePeer(const QByteArray& peerId)
{
    if (Peer* peer = m_peers.value(peerId))
        erasePeer(*peer);
}

int SwarmRegistry::expire(qint64 now)
{
    while (!m_leasesByEnd.empty() && m_leasesByEnd.front()->expires <= now)
        releaseLease(m_leasesByEnd.front()->id);
    int dropped = 0;
    while (!m_peersBySeen.empty() &&
           m_peersBySeen.front()->lastSeen + m_options.peerTimeoutMs <= now) {
        erasePeer(*m_peersBySeen.front());
        ++dropped;
    }
    return dropped;
}

bool SwarmRegistry::hasPeer(const QByteArray& peerId) const
{
    return m_peers.contains(peerId);
}

std::optional<qint64> SwarmRegistry::accountOf(const QByteArray& peerId) const
{
    const Peer* peer = m_peers.value(peerId);
    return peer ? std::optional<qint64>(peer->info.accountId) : std::nullopt;
}

bool SwarmRegistry::hasFile(const QByteArray& infoHash) const
{
    return m_files.contains(infoHash);
}

SwarmRegistry::FileStats SwarmRegistry::fileStats(const QByteArray& infoHash) const
{
    const File* file = m_files.value(infoHash);
    if (!file)
        return {};
    return {int(file->holders.size()), int(file->leechers.size()), file->completed};
}

std::optional<SwarmRegistry::FileInfo> SwarmRegistry::fileInfo(const QByteArray& infoHash) const
{
    const File* file = m_files.value(infoHash);
    return file ? std::optional<FileInfo>(file->info) : std::nullopt;
}

int SwarmRegistry::activeLeases(const QByteArray& peerId) const
{
    const Peer* peer = m_peers.value(peerId);
    return peer ? int(peer->leasesAsHolder.size()) : 0;
}

QList<int> SwarmRegistry::availability(const QByteArray& infoHash) const
{
    const File* file = m_files.value(infoHash);
    if (!file)
        return {};
    QList<int> counts(file->info.pieceCount, int(file->holders.size()));
    for (const Peer* peer : file->leechers) {
        const QByteArray have = peer->have.value(infoHash);
        const qsizetype bits = std::min<qsizetype>(counts.size(), have.size() * 8);
        for (qsizetype i = 0; i < bits; ++i) {
            if (have[i / 8] & (0x80 >> (i % 8)))
                ++counts[i];
        }
    }
    return counts;
}

SwarmRegistry::PeerState SwarmRegistry::stateOf(const Peer& peer, qint64 now) const
{
    PeerState state{peer.info, now - peer.lastSeen, {}};
    state.holdings.reserve(peer.files.size());
    for (auto it = peer.files.cbegin(); it != peer.files.cend(); ++it) {
        // Every held file is known: attaching creates it and only the last detach drops it.
        const File* file = m_files.value(it.key());
        Holding holding{file ? file->info : FileInfo{it.key(), QString(), 0, 0, 0}, it.value(), {}};
        if (!holding.complete)
            holding.have = peer.have.value(it.key());
        state.holdings.append(std::move(holding));
    }
    std::sort(state.holdings.begin(), state.holdings.end(),
              [](const Holding& a, const Holding& b) { return a.file.infoHash < b.file.infoHash; });
    return state;
}

SwarmRegistry::LeaseState SwarmRegistry::stateOf(const Lease& lease, qint64 now) const
{
    return {lease.id, lease.holder->info.peerId, lease.asker->info.peerId, lease.infoHash,
            lease.expires - now};
}

std::optional<SwarmRegistry::PeerState> SwarmRegistry::exportPeer(const QByteArray& peerId,
                                                                  qint64 now) const
{
    const Peer* peer = m_peers.value(peerId);
    return peer ? std::optional<PeerState>(stateOf(*peer, now)) : std::nullopt;
}

std::optional<SwarmRegistry::LeaseState> SwarmRegistry::exportLease(quint64 id, qint64 now) const
{
    const Lease* lease = m_leases.value(id);
    return lease ? std::optional<LeaseState>(stateOf(*lease, now)) : std::nullopt;
}

std::optional<SwarmRegistry::FileState> SwarmRegistry::exportFile(const QByteArray& infoHash) const
{
    const File* file = m_files.value(infoHash);
    return file ? std::optional<FileState>(FileState{file->info, file->completed}) : std::nullopt;
}

SwarmRegistry::Snapshot SwarmRegistry::snapshot(qint64 now) const
{
    // Sorted by key: QHash order depends on the insertion history, which differs between the
    // main and a backup in the same state.
    Snapshot result;
    result.nextLeaseId = m_nextLeaseId;
    result.files.reserve(m_files.size());
    for (const File* file : m_files)
        result.files.append({file->info, file->completed});
    std::sort(result.files.begin(), result.files.end(), [](const FileState& a, const FileState& b) {
        return a.info.infoHash < b.info.infoHash;
    });
    result.peers.reserve(m_peers.size());
    for (const Peer* peer : m_peers)
        result.peers.append(stateOf(*peer, now));
    std::sort(result.peers.begin(), result.peers.end(),
              [](const PeerState& a, const PeerState& b) { return a.info.peerId < b.info.peerId; });
    result.leases.reserve(m_leases.size());
    for (const Lease* lease : m_leases)
        result.leases.append(stateOf(*lease, now));
    std::sort(result.leases.begin(), result.leases.end(),
              [](const LeaseState& a, const LeaseState& b) { return a.id < b.id; });
    return result;
}

namespace {

// Inserts into a deadline-ordered list (earliest first). Searching from the back makes the
// usual import, a deadline just set to "now + something", O(1); restore() sorts first so that
// every insert is at the back.
template<typename T, typename Deadline>
typename std::list<T*>::iterator insertOrdered(std::list<T*>& list, T* item, Deadline deadline)
{
    const qint64 at = deadline(item);
    auto it = list.end();
    while (it != list.begin() && deadline(*std::prev(it)) > at)
        --it;
    return list.insert(it, item);
}

} // namespace

void SwarmRegistry::placePeer(Peer& peer)
{
    peer.seenIt = insertOrdered(m_peersBySeen, &peer, [](const Peer* p) { return p->lastSeen; });
}

void SwarmRegistry::placeLease(Lease& lease)
{
    lease.it = insertOrdered(m_leasesByEnd, &lease, [](const Lease* l) { return l->expires; });
}

void SwarmRegistry::putFile(const FileState& state)
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    File*& file = m_files[state.info.infoHash];
    bool changed = file == nullptr;
    if (!file)
        file = new File;
    changed = changed || file->info != state.info || file->completed != state.completed;
    file->info = state.info;
    file->completed = state.completed;
    if (changed)
        notifySwarm(state.info.infoHash);
}

void SwarmRegistry::putPeer(const PeerState& state, qint64 now)
{
    // The backup follows; what it changes here is not a change of its own to record.
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    Peer*& slot = m_peers[state.info.peerId];
    const bool joined = slot == nullptr;
    if (joined)
        slot = new Peer;
    else
        m_peersBySeen.erase(slot->seenIt);
    // The object stays the same one: leases point at it.
    Peer& peer = *slot;
    peer.info = state.info;
    peer.lastSeen = now - state.idleMs;
    placePeer(peer);

    QHash<QByteArray, bool> files;
    QHash<QByteArray, QByteArray> have;
    files.reserve(state.holdings.size());
    for (const Holding& holding : state.holdings) {
        files.insert(holding.file.infoHash, holding.complete);
        if (!holding.complete && !holding.have.isEmpty())
            have.insert(holding.file.infoHash, holding.have);
        else
            have.remove(holding.file.infoHash);
    }
    for (auto it = peer.files.cbegin(); it != peer.files.cend(); ++it) {
        if (!files.contains(it.key()))
            detachFrom(peer, it.key());
    }
    for (const Holding& holding : state.holdings) {
        const QByteArray& hash = holding.file.infoHash;
        const bool complete = files.value(hash); // the last word when a hash is listed twice
        bool created = false;
        File& file = fileFor(holding.file, &created);
        const auto before = peer.files.constFind(hash);
        const bool changed = created || before == peer.files.cend() || before.value() != complete ||
                             peer.have.value(hash) != have.value(hash);
        if (complete) {
            file.leechers.remove(&peer);
            file.holders.insert(&peer);
        } else {
            file.holders.remove(&peer);
            file.leechers.insert(&peer);
        }
        if (changed)
            notifySwarm(hash);
    }
    peer.files = std::move(files);
    peer.have = std::move(have);
    if (joined && m_listener)
        m_listener->peerJoined(peer.info);
}

bool SwarmRegistry::putLease(const LeaseState& state, qint64 now)
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    Peer* holder = m_peers.value(state.holderId);
    Peer* asker = m_peers.value(state.askerId);
    if (!holder || !asker)
        return false; // a peer left since: its leases went with it
    Lease*& lease = m_leases[state.id];
    if (!lease) {
        lease = new Lease{state.id, holder, asker, state.infoHash, 0, {}};
    } else {
        m_leasesByEnd.erase(lease->it);
        lease->holder->leasesAsHolder.remove(state.id);
        lease->asker->leasesAsAsker.remove(state.id);
    }
    lease->holder = holder;
    lease->asker = asker;
    lease->infoHash = state.infoHash;
    lease->expires = now + state.remainingMs;
    placeLease(*lease);
    holder->leasesAsHolder.insert(state.id);
    asker->leasesAsAsker.insert(state.id);
    // Should this backup take over before the next setNextLeaseId(), it must not hand out an
    // id that a peer already holds.
    setNextLeaseId(state.id + 1);
    return true;
}

void SwarmRegistry::dropPeer(const QByteArray& peerId)
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    removePeer(peerId);
}

void SwarmRegistry::dropLease(quint64 id)
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    releaseLease(id);
}

void SwarmRegistry::setNextLeaseId(quint64 id)
{
    m_nextLeaseId = std::max(m_nextLeaseId, id);
}

void SwarmRegistry::restore(const Snapshot& snapshot, qint64 now)
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    clear();
    for (const FileState& file : snapshot.files)
        putFile(file);
    // Oldest first, so that every deadline goes to the back of its list: O(n log n) in all.
    QList<const PeerState*> peers;
    peers.reserve(snapshot.peers.size());
    for (const PeerState& peer : snapshot.peers)
        peers.append(&peer);
    std::stable_sort(peers.begin(), peers.end(),
                     [](const PeerState* a, const PeerState* b) { return a->idleMs > b->idleMs; });
    for (const PeerState* peer : std::as_const(peers))
        putPeer(*peer, now);
    QList<const LeaseState*> leases;
    leases.reserve(snapshot.leases.size());
    for (const LeaseState& lease : snapshot.leases)
        leases.append(&lease);
    std::stable_sort(leases.begin(), leases.end(), [](const LeaseState* a, const LeaseState* b) {
        return a->remainingMs < b->remainingMs;
    });
    for (const LeaseState* lease : std::as_const(leases))
        putLease(*lease, now);
    setNextLeaseId(snapshot.nextLeaseId);
}

void SwarmRegistry::clear()
{
    const QScopedValueRollback<Journal*> quiet(m_journal, nullptr);
    const QList<QByteArray> peers = m_peers.keys();
    const QList<QByteArray> files = m_files.keys();
    qDeleteAll(m_leases);
    qDeleteAll(m_files);
    qDeleteAll(m_peers);
    m_leases.clear();
    m_files.clear();
    m_peers.clear();
    m_leasesByEnd.clear();
    m_peersBySeen.clear();
    m_nextLeaseId = 1;
    // Told after the fact, so that a listener reading the registry sees it empty.
    if (m_listener) {
        for (const QByteArray& id : peers)
            m_listener->peerLeft(id);
        for (const QByteArray& hash : files)
            m_listener->swarmChanged(hash);
    }
}

} // namespace swarmshare::tracker
