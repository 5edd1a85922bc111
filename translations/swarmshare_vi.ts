<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name>CommandLine</name>
    <message>
        <source>Show this help.</source>
        <translation>Hiển thị trợ giúp này.</translation>
    </message>
    <message>
        <source>Show the version.</source>
        <translation>Hiển thị phiên bản.</translation>
    </message>
    <message>
        <source>Read the configuration from FILE instead of the default location.</source>
        <translation>Đọc cấu hình từ FILE thay vì vị trí mặc định.</translation>
    </message>
    <message>
        <source>Usage: swarmshare [options]                 start the desktop app</source>
        <translation>Cách dùng: swarmshare [tùy chọn]                 mở ứng dụng</translation>
    </message>
    <message>
        <source>       swarmshare [options] COMMAND [ARGS]  run a command without a window</source>
        <translation>           swarmshare [tùy chọn] LỆNH [ĐỐI SỐ]  chạy một lệnh không cần cửa sổ</translation>
    </message>
    <message>
        <source>Swarmshare shares files and folders peer to peer, with a tracker anyone can host.</source>
        <translation>Swarmshare chia sẻ tệp và thư mục ngang hàng, với một tracker mà ai cũng có thể tự chạy.</translation>
    </message>
    <message>
        <source>Options:</source>
        <translation>Tùy chọn:</translation>
    </message>
    <message>
        <source>Commands:</source>
        <translation>Lệnh:</translation>
    </message>
    <message>
        <source>&apos;swarmshare COMMAND --help&apos; describes a command. Default configuration file: %1</source>
        <translation>&apos;swarmshare LỆNH --help&apos; mô tả một lệnh. Tệp cấu hình mặc định: %1</translation>
    </message>
    <message>
        <source>Try &apos;swarmshare --help&apos; for more information.</source>
        <translation>Hãy chạy &apos;swarmshare --help&apos; để biết thêm.</translation>
    </message>
    <message>
        <source>this build has no desktop interface; give a command</source>
        <translation>bản dựng này không có giao diện đồ họa; hãy chỉ định một lệnh</translation>
    </message>
    <message>
        <source>unknown command &apos;%1&apos;</source>
        <translation>không có lệnh &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
        <translation>Hãy chạy &apos;swarmshare %1 --help&apos; để biết thêm.</translation>
    </message>
    <message>
        <source>Usage: swarmshare %1 </source>
        <translation>Cách dùng: swarmshare %1 </translation>
    </message>
</context>
<context>
    <name>Config</name>
    <message>
        <source>&apos;%1&apos; is not an http:// or https:// URL</source>
        <translation>&apos;%1&apos; không phải là địa chỉ http:// hay https://</translation>
    </message>
    <message>
        <source>sqlite: needs a file path, as in sqlite:/var/lib/swarmshare/tracker.db</source>
        <translation>sqlite: cần đường dẫn tệp, ví dụ sqlite:/var/lib/swarmshare/tracker.db</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a database URL (use sqlite:PATH or postgresql://USER@HOST/DB)</source>
        <translation>&apos;%1&apos; không phải là địa chỉ cơ sở dữ liệu (dùng sqlite:ĐƯỜNG_DẪN hoặc postgresql://NGƯỜI_DÙNG@MÁY/CSDL)</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not an IP address or subnet</source>
        <translation>&apos;%1&apos; không phải là địa chỉ IP hay mạng con</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not one of: %2</source>
        <translation>&apos;%1&apos; không thuộc các giá trị: %2</translation>
    </message>
    <message>
        <source>the string &quot;%1&quot;</source>
        <translation>chuỗi &quot;%1&quot;</translation>
    </message>
    <message>
        <source>an array</source>
        <translation>một mảng</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>một đối tượng</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>không có gì</translation>
    </message>
    <message>
        <source>expected an integer, got %1</source>
        <translation>cần một số nguyên, nhưng nhận được %1</translation>
    </message>
    <message>
        <source>%1 is out of range (%2 to %3)</source>
        <translation>%1 nằm ngoài khoảng cho phép (%2 đến %3)</translation>
    </message>
    <message>
        <source>expected true or false, got %1</source>
        <translation>cần true hoặc false, nhưng nhận được %1</translation>
    </message>
    <message>
        <source>expected a string, got %1</source>
        <translation>cần một chuỗi, nhưng nhận được %1</translation>
    </message>
    <message>
        <source>expected an array of strings, got %1</source>
        <translation>cần một mảng chuỗi, nhưng nhận được %1</translation>
    </message>
    <message>
        <source>item %1: expected a string, got %2</source>
        <translation>phần tử %1: cần một chuỗi, nhưng nhận được %2</translation>
    </message>
    <message>
        <source>item %1: %2</source>
        <translation>phần tử %1: %2</translation>
    </message>
    <message>
        <source>%1: key &apos;%2&apos;: %3</source>
        <translation>%1: khóa &apos;%2&apos;: %3</translation>
    </message>
    <message>
        <source>%1: key &apos;%2&apos;: expected an object, got %3</source>
        <translation>%1: khóa &apos;%2&apos;: cần một đối tượng, nhưng nhận được %3</translation>
    </message>
    <message>
        <source>%1: unknown key &apos;%2&apos;</source>
        <translation>%1: khóa không xác định &apos;%2&apos;</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not ADDRESS:PORT (for example 127.0.0.1:7070 or [::1]:7070)</source>
        <translation>&apos;%1&apos; không có dạng ĐỊA_CHỈ:CỔNG (ví dụ 127.0.0.1:7070 hoặc [::1]:7070)</translation>
    </message>
    <message>
        <source>%1: is a folder, not a config file</source>
        <translation>%1: là một thư mục, không phải tệp cấu hình</translation>
    </message>
    <message>
        <source>%1: cannot read: %2</source>
        <translation>%1: không đọc được: %2</translation>
    </message>
    <message>
        <source>%1: too large (%2 bytes; the limit is %3)</source>
        <translation>%1: quá lớn (%2 byte; giới hạn là %3)</translation>
    </message>
    <message>
        <source>%1:%2:%3: invalid JSON: %4</source>
        <translation>%1:%2:%3: JSON không hợp lệ: %4</translation>
    </message>
    <message>
        <source>%1: the configuration must be a JSON object ({ ... })</source>
        <translation>%1: cấu hình phải là một đối tượng JSON ({ ... })</translation>
    </message>
    <message>
        <source>%1: cannot create its folder</source>
        <translation>%1: không tạo được thư mục chứa</translation>
    </message>
    <message>
        <source>%1: cannot write: %2</source>
        <translation>%1: không ghi được: %2</translation>
    </message>
</context>
<context>
    <name>ConfigVerb</name>
    <message>
        <source>Check the configuration file and print the settings in effect.</source>
        <translation>Kiểm tra tệp cấu hình và in ra các thiết lập đang dùng.</translation>
    </message>
    <message>
        <source>Print the built-in defaults instead.</source>
        <translation>In ra các giá trị mặc định thay vào đó.</translation>
    </message>
    <message>
        <source>Print a table of every key (Markdown).</source>
        <translation>In bảng mọi khóa cấu hình (Markdown).</translation>
    </message>
    <message>
        <source>Print the path of the configuration file in use.</source>
        <translation>In đường dẫn của tệp cấu hình đang dùng.</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Swarmshare</source>
        <translation>Swarmshare</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>Tải xuống</translation>
    </message>
    <message>
        <source>Shares</source>
        <translation>Chia sẻ</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Tìm kiếm</translation>
    </message>
    <message>
        <source>Tracker</source>
        <translation>Tracker</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Tệp</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Trợ &amp;giúp</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>T&amp;hoát</translation>
    </message>
    <message>
        <source>Ctrl+Q</source>
        <translation>Ctrl+Q</translation>
    </message>
    <message>
        <source>&amp;About Swarmshare</source>
        <translation>&amp;Giới thiệu Swarmshare</translation>
    </message>
</context>
<context>
    <name>RotatingFile</name>
    <message>
        <source>cannot create the log folder for %1</source>
        <translation>không tạo được thư mục nhật ký cho %1</translation>
    </message>
    <message>
        <source>cannot open the log file %1: %2</source>
        <translation>không mở được tệp nhật ký %1: %2</translation>
    </message>
    <message>
        <source>cannot write the log file %1: %2</source>
        <translation>không ghi được tệp nhật ký %1: %2</translation>
    </message>
    <message>
        <source>cannot rotate the log file %1</source>
        <translation>không xoay vòng được tệp nhật ký %1</translation>
    </message>
</context>
<context>
    <name>VerbContext</name>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
        <translation>Hãy chạy &apos;swarmshare %1 --help&apos; để biết thêm.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Swarmshare cannot start</source>
        <translation>Swarmshare không khởi động được</translation>
    </message>
    <message>
        <source>The configuration file has a problem:

%1</source>
        <translation>Tệp cấu hình có lỗi:

%1</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::MainWindow</name>
    <message>
        <source>Ready</source>
        <translation>Sẵn sàng</translation>
    </message>
    <message>
        <source>About Swarmshare</source>
        <translation>Giới thiệu Swarmshare</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Swarmshare %1&lt;/h3&gt;&lt;p&gt;Peer-to-peer file sharing with a tracker anyone can host.&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Swarmshare %1&lt;/h3&gt;&lt;p&gt;Chia sẻ tệp ngang hàng với một tracker mà ai cũng có thể tự chạy.&lt;/p&gt;&lt;p&gt;Xây dựng với Qt %2.&lt;/p&gt;</translation>
    </message>
</context>
</TS>
