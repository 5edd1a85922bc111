<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Announce</name>
    <message>
        <source>the tracker sent an unexpected announce answer: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>field &apos;%1&apos; has the wrong type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an entry of &apos;peers&apos; is not a dictionary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker&apos;s announce answer is larger than %1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected a dictionary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker refused the announce: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>compact &apos;peers&apos; is not a multiple of 6 bytes long</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;peers6&apos; is not a multiple of 18 bytes long</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Announcer</name>
    <message>
        <source>the tracker at %1 answered with more than %2 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker at %1 did not answer within %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot reach the tracker at %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker at %1 answered HTTP %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BencodeValue</name>
    <message>
        <source>integer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>byte string</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dictionary</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Bitfield</name>
    <message>
        <source>invalid bitfield size %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bitfield of %1 bytes, expected %2 for %3 pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bitfield has spare bits set</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>Show this help.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the version.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read the configuration from FILE instead of the default location.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage: swarmshare [options]                 start the desktop app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>       swarmshare [options] COMMAND [ARGS]  run a command without a window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Swarmshare shares files and folders peer to peer, with a tracker anyone can host.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Options:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;swarmshare COMMAND --help&apos; describes a command. Default configuration file: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try &apos;swarmshare --help&apos; for more information.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this build has no desktop interface; give a command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown command &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage: swarmshare %1 </source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Config</name>
    <message>
        <source>&apos;%1&apos; is not an http:// or https:// URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sqlite: needs a file path, as in sqlite:/var/lib/swarmshare/tracker.db</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a database URL (use sqlite:PATH or postgresql://USER@HOST/DB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address or subnet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the string &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an array</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>an object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected an integer, got %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is out of range (%2 to %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected true or false, got %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected a string, got %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected an array of strings, got %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>item %1: expected a string, got %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>item %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: key &apos;%2&apos;: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: key &apos;%2&apos;: expected an object, got %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: unknown key &apos;%2&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not ADDRESS:PORT (for example 127.0.0.1:7070 or [::1]:7070)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: is a folder, not a config file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: too large (%2 bytes; the limit is %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1:%2:%3: invalid JSON: %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the configuration must be a JSON object ({ ... })</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: cannot create its folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: cannot write: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConfigVerb</name>
    <message>
        <source>Check the configuration file and print the settings in effect.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the built-in defaults instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print a table of every key (Markdown).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the path of the configuration file in use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CreateVerb</name>
    <message>
        <source>Make a .torrent from a file or a folder, hashing on every core.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file or folder to share.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the .torrent to FILE.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Announce URL of a tracker; repeat for fallbacks, in order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Piece size: a power of two from 16K to 64M (default: about 1000-2000 pieces).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark the torrent private (trackers only, BEP 27).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a comment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hash on N threads (default: one per core).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace FILE if it exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing PATH: the file or folder to share</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing -o FILE: where to write the .torrent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a tracker URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a size (examples: 262144, 256K, 4M)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--threads takes a number from 1 to 256</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 exists (use --force to replace it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hashing %1%  %2 of %3  %4/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 x %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>info-hash</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Decoder</name>
    <message>
        <source>bencode: %1 at offset %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input of %1 bytes exceeds the limit of %2 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dictionary key &quot;%1&quot; has no value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>more than %1 values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>trailing data after the value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected character &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected byte 0x%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated input: %1 opened at offset %2 is not closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nesting deeper than %1 levels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dictionary key is not a byte string</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>duplicate dictionary key &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dictionary key &quot;%1&quot; is out of order (after &quot;%2&quot;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>leading zero in integer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>integer does not fit in 64 bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated input: integer at offset %1 is not closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 in integer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no digits after &apos;-&apos; in integer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty integer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>negative zero</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>leading zero in string length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>string length does not fit in 64 bits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated input: string length at offset %1 has no &apos;:&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 in string length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>string of %1 bytes exceeds the limit of %2 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>truncated input: string at offset %1 needs %2 bytes, %3 remain</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DiskWorker</name>
    <message>
        <source>The torrent&apos;s piece hashes do not match its files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is missing or shorter than expected</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Exchange</name>
    <message>
        <source>no tracker address is configured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker&apos;s answer is larger than %1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker at %1 did not answer within %2 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot reach the tracker at %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FileCache</name>
    <message>
        <source>Cannot open &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the folder &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot allocate &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; was deleted while in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write to &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FileLayout</name>
    <message>
        <source>invalid piece length %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>file %1 has a negative length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unsafe file path &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the files are too large in total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the torrent has too many pieces</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InfoVerb</name>
    <message>
        <source>Check a .torrent file and print its name, info-hash, pieces and files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The .torrent file to read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the facts as a JSON object.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing the .torrent file to read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Info-hash:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Piece length:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comment:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created on:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trackers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tier %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files (%1):</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>JsonReader</name>
    <message>
        <source>field &apos;%1&apos; is missing or has the wrong type</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LiveFeed</name>
    <message>
        <source>the tracker&apos;s live feed sent an unexpected message: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown live feed message type &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in to a tracker — Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Swarmshare finds files and peers through a tracker. Log in to one, or create an account on it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker &amp;address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker&apos;s web address, for example http://127.0.0.1:7000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>3 to 32 letters, digits, &apos;_&apos;, &apos;-&apos; or &apos;.&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Con&amp;firm password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At least 8 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remember me on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keeps the login token (never the password) so that you are logged in at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Host a tracker on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs a tracker inside Swarmshare, reachable from this computer only, with its data in a local SQLite file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shares</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Downloads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Shares</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;earch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tracker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+5</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Metainfo</name>
    <message>
        <source>&quot;%1&quot; has the wrong type: %2 instead of %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not valid UTF-8</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the torrent&apos;s name is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is an empty list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is negative (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is too large (%2 bytes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is both a file and a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the file &quot;%1&quot; is listed twice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a torrent file is a dictionary, but this is a %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is a folder, not a torrent file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot open %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is too large for a torrent file (the limit is %2 MiB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a valid torrent: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;info&quot; has both &quot;length&quot; (single file) and &quot;files&quot; (several)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;info&quot; has neither &quot;length&quot; (single file) nor &quot;files&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the torrent holds no data: its files are all empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;info.pieces&quot; has %1 hashes, but %2 bytes in pieces of %3 bytes make %4 pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the piece length %1 is not a power of two from 16 KiB to 64 MiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;info.pieces&quot; is %1 bytes long, which is not a multiple of 20</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;info.files&quot; is an empty list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the files add up to more than %1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;announce-list&quot; must be a list of lists of URLs</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PathSanitizer</name>
    <message>
        <source>a name is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not allowed as a name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains &apos;/&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains a backslash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains the control character U+%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; starts with a drive letter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a name is longer than %1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains &apos;%2&apos;, which Windows does not allow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; ends with a dot or space, which Windows drops</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is a reserved device name on Windows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a file path is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unsafe file path &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResumeData</name>
    <message>
        <source>invalid JSON: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not Swarmshare resume data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unsupported resume data version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>resume data of another torrent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the bitfield is not valid base64</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the file list does not match the torrent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>invalid entry for file %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the folder &quot;%1&quot;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the resume data &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is too large</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RotatingFile</name>
    <message>
        <source>cannot create the log folder for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot open the log file %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write the log file %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot rotate the log file %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>cannot listen for peers on port %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is already in the list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot create the folder %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %n peer(s)</source>
        <translation>
            <numerusform>%1: %n peer</numerusform>
            <numerusform>%1: %n peers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n idle peer(s) from the tracker</source>
        <translation>
            <numerusform>%n idle peer from the tracker</numerusform>
            <numerusform>%n idle peers from the tracker</numerusform>
        </translation>
    </message>
    <message>
        <source>logging in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>logged in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>logged out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker asks to log in again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not JSON</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings — Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The language of Swarmshare&apos;s windows. It changes as soon as you press Apply or OK.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Download folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where new downloads are saved. Leave empty for your Downloads folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep running in the tray when the window is closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Closing the window hides it; downloads and seeding go on. Quit from the tray icon&apos;s menu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen &amp;port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 = any free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The TCP port other peers connect to. 0 = any free port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download &amp;limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> KiB/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The most Swarmshare downloads per second, in KiB/s. 0 = unlimited.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Upload limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The most Swarmshare uploads per second, in KiB/s. 0 = unlimited.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Trackers, one http:// or https:// address per line, tried in this order:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker &amp;hosting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Host a tracker on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Main tracker port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Backup tracker port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Proxy port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clients should use this address: the proxy passes requests to whichever tracker is up.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Swarmshare then runs a main tracker, a backup tracker and a failover proxy in front of them, inside the app, on this computer&apos;s loopback address (127.0.0.1) at these ports; the app logs in through the proxy. Changed ports take effect when hosting starts again. To serve other computers, run swarmshare --tracker on a server.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TorrentCreator</name>
    <message>
        <source>%1 does not exist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 has no name to share it under</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is neither a file nor a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 holds no data to share (empty files only)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a tracker URL is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>piece length %1 is not a power of two from 16 KiB to 64 MiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>too many pieces: choose a larger piece length</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is an empty folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hashing was cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a file under %1 changed while it was being hashed (it is shorter than when it was listed)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrackerClient</name>
    <message>
        <source>the tracker sent an unexpected answer: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not JSON (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected a JSON object</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expected a JSON array</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the tracker answered HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrackerError</name>
    <message>
        <source>Cannot reach the tracker at %1. Check the connection, or try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker at %1 cannot answer right now. Try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker asks to log in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many requests. Wait a little, then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker did not accept the request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server at %1 does not answer like a Swarmshare tracker. Check the address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker refused the request (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker says: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrackerVerb</name>
    <message>
        <source>Run the tracker without a window (also: swarmshare --tracker --help).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the tracker (this mode).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen on ADDR:PORT (default: trackerServer.listen, 127.0.0.1:7070; port 0 picks a free one).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database: sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default: SQLite in the data folder).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the secret in %1 is shorter than 16 characters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker role: main (default), backup, proxy, or all (the three in one process).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proxy role: the URL of the main tracker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proxy role: the URL of the backup tracker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup role: the URL of the tracker to follow (main).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file whose first line is the secret shared by main, backup and proxy; turns replication on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown role &apos;%1&apos; (roles: main, backup, proxy, all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the backup role needs --primary http://HOST:PORT (the main tracker)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the backup role needs --secret-file FILE (the same file as main&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--primary is for the backup role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the proxy role needs --secret-file FILE (the same file as the trackers&apos;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the proxy role needs --main http://HOST:PORT and --backup http://HOST:PORT</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TransferVerb</name>
    <message>
        <source>Download a torrent from its peers, verifying every piece.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share complete data with the peers of a torrent until stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The .torrent file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder to download into (the torrent&apos;s name is created inside it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Once complete, keep sharing the data until stopped (SIGINT/SIGTERM).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download at most this many bytes per second (suffix K, M or G).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder that holds the data (the torrent&apos;s name is inside it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The port to listen on for peers; 0 picks a free one (default: peer.listenPort).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker URL, instead of the .torrent&apos;s trackers (may be repeated).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in to a Swarmshare tracker with this account and use its peer API.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file whose first line is the account&apos;s password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Also connect to this peer (may be repeated).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upload at most this many bytes per second (suffix K, M or G).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print a summary as a JSON object at the end.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing the .torrent file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing -o DIR: the folder to download into</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing --data DIR: the folder that holds the data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot create the folder %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--port needs a number from 0 to 65535</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--%1 needs bytes per second, e.g. 500K or 10M</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--peer needs ADDR:PORT, not &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--tracker needs an http(s) URL, not &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--user and --password-file go together</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--user needs a tracker: --tracker URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the password file %1 is empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tracker: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the data in %1 is not complete: %2 of %3 pieces are good (swarmshare get completes it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>swarmshare get: stopped before the download was complete; run the same command again to resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: checking existing data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2%  %3 of %4  down %5/s  up %6/s  %7 peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  ETA %1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>complete and verified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 uploaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a valid torrent: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %2, %3 downloaded in %4 s from %n peer(s); bad pieces: %5</source>
        <translation>
            <numerusform>%1: %2, %3 downloaded in %4 s from %n peer; bad pieces: %5</numerusform>
            <numerusform>%1: %2, %3 downloaded in %4 s from %n peers; bad pieces: %5</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <source>%1/s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VerbContext</name>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VerifyVerb</name>
    <message>
        <source>Check downloaded or shared data against a .torrent, piece by piece.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The .torrent file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder that holds the data (the torrent&apos;s name is inside it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print the result as a JSON object.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing the .torrent file to check against</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing --data DIR: the folder that holds the data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 of %3 pieces good</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All data is complete and correct.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing or damaged pieces: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files not complete:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Swarmshare cannot start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration file has a problem:

%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>storage::PieceChecker</name>
    <message>
        <source>Checking %1 of %2 pieces</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::app::DesktopApp</name>
    <message>
        <source>Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing and downloading are off: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot host a tracker: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>routes to %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LogModel</name>
    <message>
        <source>Debug</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fatal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LogView</name>
    <message>
        <source>%1 of %2 lines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything (debug)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Information and above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The least severe lines shown. Debug lines are logged only when the log level in the configuration is debug.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter by source or message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the selected lines, or every line shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open log &amp;folder</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LoginDialog</name>
    <message>
        <source>No tracker is configured yet. Enter a tracker&apos;s address, or host one on this computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the tracker&apos;s address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is not a tracker address: use http://host:port or https://host:port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your username.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a username.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The password is too short: use at least %1 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The passwords do not match.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the account on %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logging in to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the tracker at %1. Check the address, or host a tracker on this computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The username “%1” is already taken. Choose another one, or log in if it is yours.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker did not accept these details.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::MainWindow</name>
    <message>
        <source>Ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Swarmshare</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Swarmshare %1&lt;/h3&gt;&lt;p&gt;Peer-to-peer file sharing with a tracker anyone can host.&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where to save %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share a file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a .torrent file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Torrent files (*.torrent)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Down %1  Up %2  Peers %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 B/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Remove %n item(s) from the list?</source>
        <translation>
            <numerusform>Remove %n item from the list?</numerusform>
            <numerusform>Remove %n items from the list?</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove, keep the files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove and delete the files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>D: downloading from it, c: it chokes us, U: uploading to it, I: it connected to us, S: snubbed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The engine is not running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot share %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hashing %1...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Share...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share a file (or drop files and folders here)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download from a .torrent file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;move...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;containing folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;info-hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Torrent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Toolbar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces among connected peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Down speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Up speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tracker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used by this app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used by this app, as %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hosted here: main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hosted here: backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hosted here: proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Se&amp;ttings...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Normal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces among the tracker&apos;s peers (seeders: %1, leechers: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pieces among the tracker&apos;s peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in to a tracker to see which pieces its peers have.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to the tracker&apos;s live feed...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the tracker&apos;s map of this file...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No peer of the tracker has this file yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Log in...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in to a tracker, or create an account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log out of the tracker and forget the saved login</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::PieceRarityMap</name>
    <message numerus="yes">
        <source>Piece %1: held by %n peer(s)</source>
        <translation>
            <numerusform>Piece %1: held by %n peer</numerusform>
            <numerusform>Piece %1: held by %n peers</numerusform>
        </translation>
    </message>
    <message>
        <source>You have it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You do not have it yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Pieces %1 to %2: the rarest is held by %n peer(s)</source>
        <translation>
            <numerusform>Pieces %1 to %2: the rarest is held by %n peer</numerusform>
            <numerusform>Pieces %1 to %2: the rarest is held by %n peers</numerusform>
        </translation>
    </message>
    <message>
        <source>You have %1 of these %2 pieces</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No pieces to show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers with the piece:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1+</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>we have</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SearchModel</name>
    <message>
        <source>%1
Info-hash: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers that have the whole file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers still downloading the file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seeders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leechers</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SearchPanel</name>
    <message>
        <source>Log in to search the files shared on the tracker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type a name and press Enter. An empty search lists every file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The search failed. %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No files are shared on the tracker yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No files found for “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The first %n result(s). Refine the search to see others.</source>
        <translation>
            <numerusform>The first result. Refine the search to see others.</numerusform>
            <numerusform>The first %n results. Refine the search to see others.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n result</numerusform>
            <numerusform>%n results</numerusform>
        </translation>
    </message>
    <message>
        <source>Fetching the .torrent of “%1”…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot download “%1”. %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot download “%1”: the tracker sent a .torrent that does not match this file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” was added to the downloads.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tracker no longer has this file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search files shared on the tracker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Part of a file name. Leave empty to list every file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download the selected file (or double-click it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search results</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SettingsDialog</name>
    <message>
        <source>The main tracker, the backup tracker and the proxy need three different ports; %1 is used twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port %1 is both the listen port and a tracker port.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download folder</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::TorrentModel</name>
    <message>
        <source>Checking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sharing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 sharing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Down speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Up speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ETA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ratio</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::TrayIcon</name>
    <message>
        <source>Swarmshare — ↓ %1 ↑ %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Hide window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Show window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download complete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 has finished downloading.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
