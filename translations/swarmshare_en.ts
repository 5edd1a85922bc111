<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
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
    <name>VerbContext</name>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
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
</context>
</TS>
