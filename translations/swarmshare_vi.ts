<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi_VN">
<context>
    <name>Announce</name>
    <message>
        <source>the tracker sent an unexpected announce answer: %1</source>
        <translation>tracker gửi phản hồi announce không mong đợi: %1</translation>
    </message>
    <message>
        <source>field &apos;%1&apos; has the wrong type</source>
        <translation>trường &apos;%1&apos; sai kiểu</translation>
    </message>
    <message>
        <source>an entry of &apos;peers&apos; is not a dictionary</source>
        <translation>một phần tử của &apos;peers&apos; không phải là từ điển</translation>
    </message>
    <message>
        <source>the tracker&apos;s announce answer is larger than %1 bytes</source>
        <translation>phản hồi announce của tracker lớn hơn %1 byte</translation>
    </message>
    <message>
        <source>expected a dictionary</source>
        <translation>cần một từ điển</translation>
    </message>
    <message>
        <source>the tracker refused the announce: %1</source>
        <translation>tracker từ chối announce: %1</translation>
    </message>
    <message>
        <source>compact &apos;peers&apos; is not a multiple of 6 bytes long</source>
        <translation>&apos;peers&apos; dạng gọn có độ dài không phải bội số của 6 byte</translation>
    </message>
    <message>
        <source>&apos;peers6&apos; is not a multiple of 18 bytes long</source>
        <translation>&apos;peers6&apos; có độ dài không phải bội số của 18 byte</translation>
    </message>
</context>
<context>
    <name>Announcer</name>
    <message>
        <source>the tracker at %1 answered with more than %2 bytes</source>
        <translation>tracker tại %1 trả về hơn %2 byte</translation>
    </message>
    <message>
        <source>the tracker at %1 did not answer within %2 ms</source>
        <translation>tracker tại %1 không trả lời trong vòng %2 ms</translation>
    </message>
    <message>
        <source>cannot reach the tracker at %1: %2</source>
        <translation>không kết nối được tracker tại %1: %2</translation>
    </message>
    <message>
        <source>the tracker at %1 answered HTTP %2</source>
        <translation>tracker tại %1 trả về HTTP %2</translation>
    </message>
</context>
<context>
    <name>BencodeValue</name>
    <message>
        <source>integer</source>
        <translation>số nguyên</translation>
    </message>
    <message>
        <source>byte string</source>
        <translation>chuỗi byte</translation>
    </message>
    <message>
        <source>list</source>
        <translation>danh sách</translation>
    </message>
    <message>
        <source>dictionary</source>
        <translation>từ điển</translation>
    </message>
</context>
<context>
    <name>Bitfield</name>
    <message>
        <source>invalid bitfield size %1</source>
        <translation>kích thước bitfield không hợp lệ: %1</translation>
    </message>
    <message>
        <source>bitfield of %1 bytes, expected %2 for %3 pieces</source>
        <translation>bitfield dài %1 byte, cần %2 cho %3 mảnh</translation>
    </message>
    <message>
        <source>bitfield has spare bits set</source>
        <translation>bitfield có bit dư được bật</translation>
    </message>
</context>
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
    <name>CreateVerb</name>
    <message>
        <source>Make a .torrent from a file or a folder, hashing on every core.</source>
        <translation>Tạo tệp .torrent từ một tệp hoặc thư mục, băm trên mọi nhân CPU.</translation>
    </message>
    <message>
        <source>The file or folder to share.</source>
        <translation>Tệp hoặc thư mục cần chia sẻ.</translation>
    </message>
    <message>
        <source>Write the .torrent to FILE.</source>
        <translation>Ghi tệp .torrent vào FILE.</translation>
    </message>
    <message>
        <source>Announce URL of a tracker; repeat for fallbacks, in order.</source>
        <translation>URL announce của một tracker; lặp lại để thêm tracker dự phòng, theo thứ tự.</translation>
    </message>
    <message>
        <source>Piece size: a power of two from 16K to 64M (default: about 1000-2000 pieces).</source>
        <translation>Kích thước mảnh: một lũy thừa của 2 từ 16K đến 64M (mặc định: khoảng 1000-2000 mảnh).</translation>
    </message>
    <message>
        <source>Mark the torrent private (trackers only, BEP 27).</source>
        <translation>Đánh dấu torrent là riêng tư (chỉ dùng tracker, BEP 27).</translation>
    </message>
    <message>
        <source>Add a comment.</source>
        <translation>Thêm ghi chú.</translation>
    </message>
    <message>
        <source>Hash on N threads (default: one per core).</source>
        <translation>Băm trên N luồng (mặc định: mỗi nhân một luồng).</translation>
    </message>
    <message>
        <source>Replace FILE if it exists.</source>
        <translation>Ghi đè FILE nếu tệp đã tồn tại.</translation>
    </message>
    <message>
        <source>missing PATH: the file or folder to share</source>
        <translation>thiếu PATH: tệp hoặc thư mục cần chia sẻ</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>missing -o FILE: where to write the .torrent</source>
        <translation>thiếu -o FILE: nơi ghi tệp .torrent</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a tracker URL</source>
        <translation>&apos;%1&apos; không phải là URL của tracker</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a size (examples: 262144, 256K, 4M)</source>
        <translation>&apos;%1&apos; không phải là kích thước hợp lệ (ví dụ: 262144, 256K, 4M)</translation>
    </message>
    <message>
        <source>--threads takes a number from 1 to 256</source>
        <translation>--threads nhận một số từ 1 đến 256</translation>
    </message>
    <message>
        <source>%1 exists (use --force to replace it)</source>
        <translation>%1 đã tồn tại (dùng --force để ghi đè)</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>không ghi được %1: %2</translation>
    </message>
    <message>
        <source>Hashing %1%  %2 of %3  %4/s</source>
        <translation>Đang băm %1%  %2 / %3  %4/s</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>Đã tạo %1</translation>
    </message>
    <message>
        <source>name</source>
        <translation>tên</translation>
    </message>
    <message>
        <source>files</source>
        <translation>số tệp</translation>
    </message>
    <message>
        <source>size</source>
        <translation>kích thước</translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation>%1 (%2 byte)</translation>
    </message>
    <message>
        <source>pieces</source>
        <translation>mảnh</translation>
    </message>
    <message>
        <source>%1 x %2</source>
        <translation>%1 x %2</translation>
    </message>
    <message>
        <source>info-hash</source>
        <translation>mã băm</translation>
    </message>
</context>
<context>
    <name>Decoder</name>
    <message>
        <source>bencode: %1 at offset %2</source>
        <translation>bencode: %1 tại vị trí %2</translation>
    </message>
    <message>
        <source>input of %1 bytes exceeds the limit of %2 bytes</source>
        <translation>đầu vào %1 byte vượt quá giới hạn %2 byte</translation>
    </message>
    <message>
        <source>dictionary key &quot;%1&quot; has no value</source>
        <translation>khóa từ điển &quot;%1&quot; không có giá trị</translation>
    </message>
    <message>
        <source>more than %1 values</source>
        <translation>nhiều hơn %1 giá trị</translation>
    </message>
    <message>
        <source>trailing data after the value</source>
        <translation>còn dữ liệu thừa sau giá trị</translation>
    </message>
    <message>
        <source>unexpected character &apos;%1&apos;</source>
        <translation>ký tự không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>unexpected byte 0x%1</source>
        <translation>byte không mong đợi 0x%1</translation>
    </message>
    <message>
        <source>empty input</source>
        <translation>đầu vào rỗng</translation>
    </message>
    <message>
        <source>truncated input: %1 opened at offset %2 is not closed</source>
        <translation>đầu vào bị cắt cụt: %1 mở tại vị trí %2 chưa được đóng</translation>
    </message>
    <message>
        <source>nesting deeper than %1 levels</source>
        <translation>lồng sâu quá %1 cấp</translation>
    </message>
    <message>
        <source>dictionary key is not a byte string</source>
        <translation>khóa từ điển không phải là chuỗi byte</translation>
    </message>
    <message>
        <source>duplicate dictionary key &quot;%1&quot;</source>
        <translation>khóa từ điển &quot;%1&quot; bị trùng</translation>
    </message>
    <message>
        <source>dictionary key &quot;%1&quot; is out of order (after &quot;%2&quot;)</source>
        <translation>khóa từ điển &quot;%1&quot; sai thứ tự (nằm sau &quot;%2&quot;)</translation>
    </message>
    <message>
        <source>leading zero in integer</source>
        <translation>số nguyên có chữ số 0 ở đầu</translation>
    </message>
    <message>
        <source>integer does not fit in 64 bits</source>
        <translation>số nguyên vượt quá 64 bit</translation>
    </message>
    <message>
        <source>truncated input: integer at offset %1 is not closed</source>
        <translation>đầu vào bị cắt cụt: số nguyên tại vị trí %1 chưa được đóng</translation>
    </message>
    <message>
        <source>%1 in integer</source>
        <translation>%1 trong số nguyên</translation>
    </message>
    <message>
        <source>no digits after &apos;-&apos; in integer</source>
        <translation>số nguyên không có chữ số nào sau &apos;-&apos;</translation>
    </message>
    <message>
        <source>empty integer</source>
        <translation>số nguyên rỗng</translation>
    </message>
    <message>
        <source>negative zero</source>
        <translation>số 0 âm</translation>
    </message>
    <message>
        <source>leading zero in string length</source>
        <translation>độ dài chuỗi có chữ số 0 ở đầu</translation>
    </message>
    <message>
        <source>string length does not fit in 64 bits</source>
        <translation>độ dài chuỗi vượt quá 64 bit</translation>
    </message>
    <message>
        <source>truncated input: string length at offset %1 has no &apos;:&apos;</source>
        <translation>đầu vào bị cắt cụt: độ dài chuỗi tại vị trí %1 thiếu &apos;:&apos;</translation>
    </message>
    <message>
        <source>%1 in string length</source>
        <translation>%1 trong độ dài chuỗi</translation>
    </message>
    <message>
        <source>string of %1 bytes exceeds the limit of %2 bytes</source>
        <translation>chuỗi %1 byte vượt quá giới hạn %2 byte</translation>
    </message>
    <message>
        <source>truncated input: string at offset %1 needs %2 bytes, %3 remain</source>
        <translation>đầu vào bị cắt cụt: chuỗi tại vị trí %1 cần %2 byte, chỉ còn %3</translation>
    </message>
</context>
<context>
    <name>DiskWorker</name>
    <message>
        <source>The torrent&apos;s piece hashes do not match its files</source>
        <translation>Mã băm các mảnh của torrent không khớp với các tệp của nó</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is missing or shorter than expected</source>
        <translation>&quot;%1&quot; bị thiếu hoặc ngắn hơn dự kiến</translation>
    </message>
</context>
<context>
    <name>Exchange</name>
    <message>
        <source>no tracker address is configured</source>
        <translation>chưa cấu hình địa chỉ tracker</translation>
    </message>
    <message>
        <source>the tracker&apos;s answer is larger than %1 bytes</source>
        <translation>phản hồi của tracker lớn hơn %1 byte</translation>
    </message>
    <message>
        <source>the tracker at %1 did not answer within %2 ms</source>
        <translation>tracker tại %1 không phản hồi trong vòng %2 ms</translation>
    </message>
    <message>
        <source>cannot reach the tracker at %1: %2</source>
        <translation>không kết nối được tới tracker tại %1: %2</translation>
    </message>
</context>
<context>
    <name>FileCache</name>
    <message>
        <source>Cannot open &quot;%1&quot;: %2</source>
        <translation>Không mở được &quot;%1&quot;: %2</translation>
    </message>
    <message>
        <source>Cannot create the folder &quot;%1&quot;</source>
        <translation>Không tạo được thư mục &quot;%1&quot;</translation>
    </message>
    <message>
        <source>Cannot allocate &quot;%1&quot;: %2</source>
        <translation>Không cấp phát được dung lượng cho &quot;%1&quot;: %2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; was deleted while in use</source>
        <translation>&quot;%1&quot; đã bị xóa trong khi đang được dùng</translation>
    </message>
    <message>
        <source>Cannot read &quot;%1&quot;: %2</source>
        <translation>Không đọc được &quot;%1&quot;: %2</translation>
    </message>
    <message>
        <source>Cannot write to &quot;%1&quot;: %2</source>
        <translation>Không ghi được vào &quot;%1&quot;: %2</translation>
    </message>
</context>
<context>
    <name>FileLayout</name>
    <message>
        <source>invalid piece length %1</source>
        <translation>độ dài mảnh không hợp lệ: %1</translation>
    </message>
    <message>
        <source>file %1 has a negative length</source>
        <translation>tệp %1 có độ dài âm</translation>
    </message>
    <message>
        <source>unsafe file path &quot;%1&quot;</source>
        <translation>đường dẫn tệp không an toàn &quot;%1&quot;</translation>
    </message>
    <message>
        <source>the files are too large in total</source>
        <translation>tổng kích thước các tệp quá lớn</translation>
    </message>
    <message>
        <source>the torrent has too many pieces</source>
        <translation>torrent có quá nhiều mảnh</translation>
    </message>
</context>
<context>
    <name>InfoVerb</name>
    <message>
        <source>Check a .torrent file and print its name, info-hash, pieces and files.</source>
        <translation>Kiểm tra một tệp .torrent và in ra tên, mã băm, các mảnh và các tệp của nó.</translation>
    </message>
    <message>
        <source>The .torrent file to read.</source>
        <translation>Tệp .torrent cần đọc.</translation>
    </message>
    <message>
        <source>Print the facts as a JSON object.</source>
        <translation>In thông tin dưới dạng một đối tượng JSON.</translation>
    </message>
    <message>
        <source>missing the .torrent file to read</source>
        <translation>thiếu tệp .torrent cần đọc</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 byte</translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation>%1 (%2 byte)</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Tên:</translation>
    </message>
    <message>
        <source>Info-hash:</source>
        <translation>Mã băm:</translation>
    </message>
    <message>
        <source>Piece length:</source>
        <translation>Độ dài mảnh:</translation>
    </message>
    <message>
        <source>Pieces:</source>
        <translation>Số mảnh:</translation>
    </message>
    <message>
        <source>Total size:</source>
        <translation>Kích thước:</translation>
    </message>
    <message>
        <source>Private:</source>
        <translation>Riêng tư:</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <source>Comment:</source>
        <translation>Ghi chú:</translation>
    </message>
    <message>
        <source>Created by:</source>
        <translation>Tạo bởi:</translation>
    </message>
    <message>
        <source>Created on:</source>
        <translation>Ngày tạo:</translation>
    </message>
    <message>
        <source>Trackers:</source>
        <translation>Tracker:</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(không có)</translation>
    </message>
    <message>
        <source>tier %1: %2</source>
        <translation>tầng %1: %2</translation>
    </message>
    <message>
        <source>Files (%1):</source>
        <translation>Tệp (%1):</translation>
    </message>
</context>
<context>
    <name>JsonReader</name>
    <message>
        <source>field &apos;%1&apos; is missing or has the wrong type</source>
        <translation>trường &apos;%1&apos; bị thiếu hoặc sai kiểu</translation>
    </message>
</context>
<context>
    <name>LiveFeed</name>
    <message>
        <source>the tracker&apos;s live feed sent an unexpected message: %1</source>
        <translation>luồng trực tiếp của tracker gửi một thông điệp không mong đợi: %1</translation>
    </message>
    <message>
        <source>unknown live feed message type &apos;%1&apos;</source>
        <translation>loại thông điệp không xác định &apos;%1&apos; trong luồng trực tiếp</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in to a tracker — Swarmshare</source>
        <translation>Đăng nhập vào tracker — Swarmshare</translation>
    </message>
    <message>
        <source>Swarmshare finds files and peers through a tracker. Log in to one, or create an account on it.</source>
        <translation>Swarmshare tìm tệp và peer thông qua một tracker. Hãy đăng nhập vào một tracker, hoặc tạo tài khoản trên đó.</translation>
    </message>
    <message>
        <source>Tracker &amp;address:</source>
        <translation>Địa chỉ &amp;tracker:</translation>
    </message>
    <message>
        <source>The tracker&apos;s web address, for example http://127.0.0.1:7000</source>
        <translation>Địa chỉ web của tracker, ví dụ http://127.0.0.1:7000</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Tên người dùng:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Mật khẩu:</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Tạo tài khoản</translation>
    </message>
    <message>
        <source>3 to 32 letters, digits, &apos;_&apos;, &apos;-&apos; or &apos;.&apos;</source>
        <translation>3 đến 32 chữ cái, chữ số, &apos;_&apos;, &apos;-&apos; hoặc &apos;.&apos;</translation>
    </message>
    <message>
        <source>Con&amp;firm password:</source>
        <translation>&amp;Nhập lại mật khẩu:</translation>
    </message>
    <message>
        <source>At least 8 characters.</source>
        <translation>Ít nhất 8 ký tự.</translation>
    </message>
    <message>
        <source>&amp;Remember me on this computer</source>
        <translation>&amp;Ghi nhớ đăng nhập trên máy này</translation>
    </message>
    <message>
        <source>Keeps the login token (never the password) so that you are logged in at the next start.</source>
        <translation>Giữ mã đăng nhập (không bao giờ giữ mật khẩu) để lần khởi động sau bạn vẫn đăng nhập sẵn.</translation>
    </message>
    <message>
        <source>&amp;Host a tracker on this computer</source>
        <translation>&amp;Chạy một tracker trên máy này</translation>
    </message>
    <message>
        <source>Runs a tracker inside Swarmshare, reachable from this computer only, with its data in a local SQLite file.</source>
        <translation>Chạy một tracker bên trong Swarmshare, chỉ truy cập được từ máy này, dữ liệu lưu trong một tệp SQLite cục bộ.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
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
    <message>
        <source>Log</source>
        <translation>Nhật ký</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Xem</translation>
    </message>
    <message>
        <source>&amp;Downloads</source>
        <translation>&amp;Tải xuống</translation>
    </message>
    <message>
        <source>Ctrl+1</source>
        <translation>Ctrl+1</translation>
    </message>
    <message>
        <source>&amp;Shares</source>
        <translation>&amp;Chia sẻ</translation>
    </message>
    <message>
        <source>Ctrl+2</source>
        <translation>Ctrl+2</translation>
    </message>
    <message>
        <source>S&amp;earch</source>
        <translation>&amp;Tìm kiếm</translation>
    </message>
    <message>
        <source>Ctrl+3</source>
        <translation>Ctrl+3</translation>
    </message>
    <message>
        <source>&amp;Tracker</source>
        <translation>Tr&amp;acker</translation>
    </message>
    <message>
        <source>Ctrl+4</source>
        <translation>Ctrl+4</translation>
    </message>
    <message>
        <source>&amp;Log</source>
        <translation>&amp;Nhật ký</translation>
    </message>
    <message>
        <source>Ctrl+5</source>
        <translation>Ctrl+5</translation>
    </message>
</context>
<context>
    <name>Metainfo</name>
    <message>
        <source>&quot;%1&quot; has the wrong type: %2 instead of %3</source>
        <translation>&quot;%1&quot; sai kiểu: là %2 thay vì %3</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is missing</source>
        <translation>thiếu &quot;%1&quot;</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not valid UTF-8</source>
        <translation>&quot;%1&quot; không phải UTF-8 hợp lệ</translation>
    </message>
    <message>
        <source>the torrent&apos;s name is empty</source>
        <translation>tên của torrent bị trống</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is an empty list</source>
        <translation>&quot;%1&quot; là danh sách rỗng</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is negative (%2)</source>
        <translation>&quot;%1&quot; là số âm (%2)</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is too large (%2 bytes)</source>
        <translation>&quot;%1&quot; quá lớn (%2 byte)</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is both a file and a folder</source>
        <translation>&quot;%1&quot; vừa là tệp vừa là thư mục</translation>
    </message>
    <message>
        <source>the file &quot;%1&quot; is listed twice</source>
        <translation>tệp &quot;%1&quot; xuất hiện hai lần</translation>
    </message>
    <message>
        <source>a torrent file is a dictionary, but this is a %1</source>
        <translation>tệp torrent phải là một từ điển, nhưng đây là một %1</translation>
    </message>
    <message>
        <source>%1 is a folder, not a torrent file</source>
        <translation>%1 là một thư mục, không phải tệp torrent</translation>
    </message>
    <message>
        <source>cannot open %1: %2</source>
        <translation>không mở được %1: %2</translation>
    </message>
    <message>
        <source>%1 is too large for a torrent file (the limit is %2 MiB)</source>
        <translation>%1 quá lớn để là tệp torrent (giới hạn là %2 MiB)</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>không đọc được %1: %2</translation>
    </message>
    <message>
        <source>%1 is not a valid torrent: %2</source>
        <translation>%1 không phải là torrent hợp lệ: %2</translation>
    </message>
    <message>
        <source>&quot;info&quot; has both &quot;length&quot; (single file) and &quot;files&quot; (several)</source>
        <translation>&quot;info&quot; có cả &quot;length&quot; (một tệp) lẫn &quot;files&quot; (nhiều tệp)</translation>
    </message>
    <message>
        <source>&quot;info&quot; has neither &quot;length&quot; (single file) nor &quot;files&quot;</source>
        <translation>&quot;info&quot; không có &quot;length&quot; (một tệp) mà cũng không có &quot;files&quot;</translation>
    </message>
    <message>
        <source>the torrent holds no data: its files are all empty</source>
        <translation>torrent không chứa dữ liệu: mọi tệp đều rỗng</translation>
    </message>
    <message>
        <source>&quot;info.pieces&quot; has %1 hashes, but %2 bytes in pieces of %3 bytes make %4 pieces</source>
        <translation>&quot;info.pieces&quot; có %1 mã băm, nhưng %2 byte chia thành các mảnh %3 byte thì được %4 mảnh</translation>
    </message>
    <message>
        <source>the piece length %1 is not a power of two from 16 KiB to 64 MiB</source>
        <translation>độ dài mảnh %1 không phải là lũy thừa của 2 trong khoảng từ 16 KiB đến 64 MiB</translation>
    </message>
    <message>
        <source>&quot;info.pieces&quot; is %1 bytes long, which is not a multiple of 20</source>
        <translation>&quot;info.pieces&quot; dài %1 byte, không phải bội số của 20</translation>
    </message>
    <message>
        <source>&quot;info.files&quot; is an empty list</source>
        <translation>&quot;info.files&quot; là danh sách rỗng</translation>
    </message>
    <message>
        <source>the files add up to more than %1 bytes</source>
        <translation>tổng kích thước các tệp vượt quá %1 byte</translation>
    </message>
    <message>
        <source>&quot;announce-list&quot; must be a list of lists of URLs</source>
        <translation>&quot;announce-list&quot; phải là danh sách các danh sách URL</translation>
    </message>
</context>
<context>
    <name>PathSanitizer</name>
    <message>
        <source>a name is empty</source>
        <translation>có một tên bị trống</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not allowed as a name</source>
        <translation>không được dùng &quot;%1&quot; làm tên</translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains &apos;/&apos;</source>
        <translation>&quot;%1&quot; chứa &apos;/&apos;</translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains a backslash</source>
        <translation>&quot;%1&quot; chứa dấu gạch chéo ngược</translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains the control character U+%2</source>
        <translation>&quot;%1&quot; chứa ký tự điều khiển U+%2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; starts with a drive letter</source>
        <translation>&quot;%1&quot; bắt đầu bằng ký tự ổ đĩa</translation>
    </message>
    <message>
        <source>a name is longer than %1 bytes</source>
        <translation>có một tên dài hơn %1 byte</translation>
    </message>
    <message>
        <source>&quot;%1&quot; contains &apos;%2&apos;, which Windows does not allow</source>
        <translation>&quot;%1&quot; chứa &apos;%2&apos;, ký tự mà Windows không cho phép</translation>
    </message>
    <message>
        <source>&quot;%1&quot; ends with a dot or space, which Windows drops</source>
        <translation>&quot;%1&quot; kết thúc bằng dấu chấm hoặc dấu cách, thứ mà Windows sẽ bỏ đi</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is a reserved device name on Windows</source>
        <translation>&quot;%1&quot; là tên thiết bị dành riêng trên Windows</translation>
    </message>
    <message>
        <source>a file path is empty</source>
        <translation>có một đường dẫn tệp bị trống</translation>
    </message>
    <message>
        <source>unsafe file path &quot;%1&quot;: %2</source>
        <translation>đường dẫn tệp không an toàn &quot;%1&quot;: %2</translation>
    </message>
</context>
<context>
    <name>ResumeData</name>
    <message>
        <source>invalid JSON: %1</source>
        <translation>JSON không hợp lệ: %1</translation>
    </message>
    <message>
        <source>not Swarmshare resume data</source>
        <translation>không phải dữ liệu tiếp tục của Swarmshare</translation>
    </message>
    <message>
        <source>unsupported resume data version</source>
        <translation>phiên bản dữ liệu tiếp tục không được hỗ trợ</translation>
    </message>
    <message>
        <source>resume data of another torrent</source>
        <translation>dữ liệu tiếp tục của một torrent khác</translation>
    </message>
    <message>
        <source>the bitfield is not valid base64</source>
        <translation>bitfield không phải base64 hợp lệ</translation>
    </message>
    <message>
        <source>the file list does not match the torrent</source>
        <translation>danh sách tệp không khớp với torrent</translation>
    </message>
    <message>
        <source>invalid entry for file %1</source>
        <translation>mục của tệp %1 không hợp lệ</translation>
    </message>
    <message>
        <source>Cannot create the folder &quot;%1&quot;</source>
        <translation>Không tạo được thư mục &quot;%1&quot;</translation>
    </message>
    <message>
        <source>Cannot save the resume data &quot;%1&quot;: %2</source>
        <translation>Không lưu được dữ liệu tiếp tục &quot;%1&quot;: %2</translation>
    </message>
    <message>
        <source>Cannot open &quot;%1&quot;: %2</source>
        <translation>Không mở được &quot;%1&quot;: %2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is too large</source>
        <translation>&quot;%1&quot; quá lớn</translation>
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
    <name>Session</name>
    <message>
        <source>cannot listen for peers on port %1: %2</source>
        <translation>không lắng nghe được các peer trên cổng %1: %2</translation>
    </message>
    <message>
        <source>%1 is already in the list</source>
        <translation>%1 đã có trong danh sách</translation>
    </message>
    <message>
        <source>cannot create the folder %1</source>
        <translation>không tạo được thư mục %1</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n peer(s)</source>
        <translation>
            <numerusform>%1: %n peer</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n idle peer(s) from the tracker</source>
        <translation>
            <numerusform>%n peer rảnh từ tracker</numerusform>
        </translation>
    </message>
    <message>
        <source>logging in</source>
        <translation>đang đăng nhập</translation>
    </message>
    <message>
        <source>logged in</source>
        <translation>đã đăng nhập</translation>
    </message>
    <message>
        <source>logged out</source>
        <translation>đã đăng xuất</translation>
    </message>
    <message>
        <source>the tracker asks to log in again</source>
        <translation>tracker yêu cầu đăng nhập lại</translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation>không đọc được %1</translation>
    </message>
    <message>
        <source>%1 is not JSON</source>
        <translation>%1 không phải JSON</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings — Swarmshare</source>
        <translation>Cài đặt — Swarmshare</translation>
    </message>
    <message>
        <source>&amp;General</source>
        <translation>&amp;Chung</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Ngôn ngữ:</translation>
    </message>
    <message>
        <source>The language of Swarmshare&apos;s windows. It changes as soon as you press Apply or OK.</source>
        <translation>Ngôn ngữ của các cửa sổ Swarmshare. Thay đổi ngay khi bạn bấm Áp dụng hoặc OK.</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Theo hệ thống</translation>
    </message>
    <message>
        <source>&amp;Download folder:</source>
        <translation>Thư mục &amp;tải về:</translation>
    </message>
    <message>
        <source>Where new downloads are saved. Leave empty for your Downloads folder.</source>
        <translation>Nơi lưu các tệp tải về. Để trống để dùng thư mục Downloads của bạn.</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Duyệt…</translation>
    </message>
    <message>
        <source>&amp;Keep running in the tray when the window is closed</source>
        <translation>&amp;Tiếp tục chạy ở khay hệ thống khi đóng cửa sổ</translation>
    </message>
    <message>
        <source>Closing the window hides it; downloads and seeding go on. Quit from the tray icon&apos;s menu.</source>
        <translation>Đóng cửa sổ chỉ ẩn nó đi; việc tải về và chia sẻ vẫn tiếp tục. Thoát từ trình đơn của biểu tượng ở khay.</translation>
    </message>
    <message>
        <source>&amp;Connection</source>
        <translation>&amp;Kết nối</translation>
    </message>
    <message>
        <source>Listen &amp;port:</source>
        <translation>&amp;Cổng lắng nghe:</translation>
    </message>
    <message>
        <source>0 = any free port</source>
        <translation>0 = một cổng trống bất kỳ</translation>
    </message>
    <message>
        <source>The TCP port other peers connect to. 0 = any free port.</source>
        <translation>Cổng TCP mà các peer khác kết nối tới. 0 = một cổng trống bất kỳ.</translation>
    </message>
    <message>
        <source>Download &amp;limit:</source>
        <translation>&amp;Giới hạn tải về:</translation>
    </message>
    <message>
        <source> KiB/s</source>
        <translation> KiB/s</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>Không giới hạn</translation>
    </message>
    <message>
        <source>The most Swarmshare downloads per second, in KiB/s. 0 = unlimited.</source>
        <translation>Lượng tối đa Swarmshare tải về mỗi giây, tính bằng KiB/s. 0 = không giới hạn.</translation>
    </message>
    <message>
        <source>&amp;Upload limit:</source>
        <translation>Giới hạn tải &amp;lên:</translation>
    </message>
    <message>
        <source>The most Swarmshare uploads per second, in KiB/s. 0 = unlimited.</source>
        <translation>Lượng tối đa Swarmshare tải lên mỗi giây, tính bằng KiB/s. 0 = không giới hạn.</translation>
    </message>
    <message>
        <source>&amp;Trackers, one http:// or https:// address per line, tried in this order:</source>
        <translation>&amp;Các tracker, mỗi dòng một địa chỉ http:// hoặc https://, thử theo thứ tự này:</translation>
    </message>
    <message>
        <source>Tracker &amp;hosting</source>
        <translation>Chạy &amp;tracker</translation>
    </message>
    <message>
        <source>&amp;Host a tracker on this computer</source>
        <translation>&amp;Chạy một tracker trên máy này</translation>
    </message>
    <message>
        <source>&amp;Main tracker port:</source>
        <translation>Cổng tracker &amp;chính:</translation>
    </message>
    <message>
        <source>&amp;Backup tracker port:</source>
        <translation>Cổng tracker &amp;dự phòng:</translation>
    </message>
    <message>
        <source>&amp;Proxy port:</source>
        <translation>Cổng &amp;proxy:</translation>
    </message>
    <message>
        <source>Clients should use this address: the proxy passes requests to whichever tracker is up.</source>
        <translation>Các máy khách nên dùng địa chỉ này: proxy chuyển yêu cầu tới tracker đang hoạt động.</translation>
    </message>
    <message>
        <source>Swarmshare then runs a main tracker, a backup tracker and a failover proxy in front of them, inside the app, on this computer&apos;s loopback address (127.0.0.1) at these ports; the app logs in through the proxy. Changed ports take effect when hosting starts again. To serve other computers, run swarmshare --tracker on a server.</source>
        <translation>Khi đó Swarmshare chạy một tracker chính, một tracker dự phòng và một proxy chuyển đổi dự phòng phía trước chúng, ngay trong ứng dụng, trên địa chỉ loopback của máy này (127.0.0.1) tại các cổng này; ứng dụng đăng nhập qua proxy. Cổng đã đổi có hiệu lực khi việc chạy tracker bắt đầu lại. Để phục vụ các máy khác, hãy chạy swarmshare --tracker trên một máy chủ.</translation>
    </message>
</context>
<context>
    <name>TorrentCreator</name>
    <message>
        <source>%1 does not exist</source>
        <translation>%1 không tồn tại</translation>
    </message>
    <message>
        <source>%1 has no name to share it under</source>
        <translation>%1 không có tên để dùng khi chia sẻ</translation>
    </message>
    <message>
        <source>%1 is neither a file nor a folder</source>
        <translation>%1 không phải tệp cũng không phải thư mục</translation>
    </message>
    <message>
        <source>%1 holds no data to share (empty files only)</source>
        <translation>%1 không có dữ liệu để chia sẻ (chỉ có tệp rỗng)</translation>
    </message>
    <message>
        <source>a tracker URL is empty</source>
        <translation>có một URL tracker bị trống</translation>
    </message>
    <message>
        <source>piece length %1 is not a power of two from 16 KiB to 64 MiB</source>
        <translation>độ dài mảnh %1 không phải là lũy thừa của 2 trong khoảng từ 16 KiB đến 64 MiB</translation>
    </message>
    <message>
        <source>too many pieces: choose a larger piece length</source>
        <translation>quá nhiều mảnh: hãy chọn độ dài mảnh lớn hơn</translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation>không đọc được %1</translation>
    </message>
    <message>
        <source>%1 is an empty folder</source>
        <translation>%1 là thư mục rỗng</translation>
    </message>
    <message>
        <source>hashing was cancelled</source>
        <translation>đã hủy việc băm</translation>
    </message>
    <message>
        <source>a file under %1 changed while it was being hashed (it is shorter than when it was listed)</source>
        <translation>một tệp trong %1 đã thay đổi trong lúc đang được băm (tệp ngắn hơn lúc được liệt kê)</translation>
    </message>
</context>
<context>
    <name>TrackerClient</name>
    <message>
        <source>the tracker sent an unexpected answer: %1</source>
        <translation>tracker gửi phản hồi không mong đợi: %1</translation>
    </message>
    <message>
        <source>not JSON (%1)</source>
        <translation>không phải JSON (%1)</translation>
    </message>
    <message>
        <source>expected a JSON object</source>
        <translation>cần một đối tượng JSON</translation>
    </message>
    <message>
        <source>expected a JSON array</source>
        <translation>cần một mảng JSON</translation>
    </message>
    <message>
        <source>the tracker answered HTTP %1</source>
        <translation>tracker trả về HTTP %1</translation>
    </message>
</context>
<context>
    <name>TrackerError</name>
    <message>
        <source>Cannot reach the tracker at %1. Check the connection, or try again later.</source>
        <translation>Không kết nối được tracker tại %1. Hãy kiểm tra kết nối, hoặc thử lại sau.</translation>
    </message>
    <message>
        <source>The tracker at %1 cannot answer right now. Try again later.</source>
        <translation>Tracker tại %1 hiện không trả lời được. Hãy thử lại sau.</translation>
    </message>
    <message>
        <source>The tracker asks to log in again.</source>
        <translation>Tracker yêu cầu đăng nhập lại.</translation>
    </message>
    <message>
        <source>Too many requests. Wait a little, then try again.</source>
        <translation>Quá nhiều yêu cầu. Hãy đợi một lát rồi thử lại.</translation>
    </message>
    <message>
        <source>The tracker did not accept the request.</source>
        <translation>Tracker không chấp nhận yêu cầu.</translation>
    </message>
    <message>
        <source>The server at %1 does not answer like a Swarmshare tracker. Check the address.</source>
        <translation>Máy chủ tại %1 không trả lời như một tracker Swarmshare. Hãy kiểm tra địa chỉ.</translation>
    </message>
    <message>
        <source>The tracker refused the request (%1).</source>
        <translation>Tracker từ chối yêu cầu (%1).</translation>
    </message>
    <message>
        <source>The tracker says: %1</source>
        <translation>Tracker cho biết: %1</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>Chi tiết: %1</translation>
    </message>
</context>
<context>
    <name>TrackerVerb</name>
    <message>
        <source>Run the tracker without a window (also: swarmshare --tracker --help).</source>
        <translation>Chạy tracker không cần cửa sổ (hoặc: swarmshare --tracker --help).</translation>
    </message>
    <message>
        <source>Run the tracker (this mode).</source>
        <translation>Chạy tracker (chế độ này).</translation>
    </message>
    <message>
        <source>Listen on ADDR:PORT (default: trackerServer.listen, 127.0.0.1:7070; port 0 picks a free one).</source>
        <translation>Lắng nghe tại ADDR:PORT (mặc định: trackerServer.listen, 127.0.0.1:7070; cổng 0 sẽ tự chọn một cổng trống).</translation>
    </message>
    <message>
        <source>Database: sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default: SQLite in the data folder).</source>
        <translation>Cơ sở dữ liệu: sqlite:PATH hoặc postgresql://USER:PASSWORD@HOST:PORT/DB (mặc định: SQLite trong thư mục dữ liệu).</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>the secret in %1 is shorter than 16 characters</source>
        <translation>khóa bí mật trong %1 ngắn hơn 16 ký tự</translation>
    </message>
    <message>
        <source>Tracker role: main (default), backup, proxy, or all (the three in one process).</source>
        <translation>Vai trò của tracker: main (mặc định), backup, proxy, hoặc all (cả ba trong một tiến trình).</translation>
    </message>
    <message>
        <source>Proxy role: the URL of the main tracker.</source>
        <translation>Vai trò proxy: URL của tracker chính.</translation>
    </message>
    <message>
        <source>Proxy role: the URL of the backup tracker.</source>
        <translation>Vai trò proxy: URL của tracker dự phòng.</translation>
    </message>
    <message>
        <source>Backup role: the URL of the tracker to follow (main).</source>
        <translation>Vai trò backup: URL của tracker cần theo dõi (tracker chính).</translation>
    </message>
    <message>
        <source>The file whose first line is the secret shared by main, backup and proxy; turns replication on.</source>
        <translation>Tệp có dòng đầu tiên là khóa bí mật dùng chung cho main, backup và proxy; bật tính năng sao chép.</translation>
    </message>
    <message>
        <source>unknown role &apos;%1&apos; (roles: main, backup, proxy, all)</source>
        <translation>vai trò không xác định &apos;%1&apos; (các vai trò: main, backup, proxy, all)</translation>
    </message>
    <message>
        <source>the backup role needs --primary http://HOST:PORT (the main tracker)</source>
        <translation>vai trò backup cần --primary http://MÁY:CỔNG (tracker chính)</translation>
    </message>
    <message>
        <source>the backup role needs --secret-file FILE (the same file as main&apos;s)</source>
        <translation>vai trò backup cần --secret-file TỆP (cùng tệp với tracker chính)</translation>
    </message>
    <message>
        <source>--primary is for the backup role</source>
        <translation>--primary chỉ dùng cho vai trò backup</translation>
    </message>
    <message>
        <source>the proxy role needs --secret-file FILE (the same file as the trackers&apos;)</source>
        <translation>vai trò proxy cần --secret-file TỆP (cùng tệp với các tracker)</translation>
    </message>
    <message>
        <source>the proxy role needs --main http://HOST:PORT and --backup http://HOST:PORT</source>
        <translation>vai trò proxy cần --main http://MÁY:CỔNG và --backup http://MÁY:CỔNG</translation>
    </message>
</context>
<context>
    <name>TransferVerb</name>
    <message>
        <source>Download a torrent from its peers, verifying every piece.</source>
        <translation>Tải một torrent từ các peer của nó, kiểm tra từng mảnh.</translation>
    </message>
    <message>
        <source>Share complete data with the peers of a torrent until stopped.</source>
        <translation>Chia sẻ dữ liệu đầy đủ với các peer của một torrent cho đến khi bị dừng.</translation>
    </message>
    <message>
        <source>The .torrent file.</source>
        <translation>Tệp .torrent.</translation>
    </message>
    <message>
        <source>The folder to download into (the torrent&apos;s name is created inside it).</source>
        <translation>Thư mục để tải về (tên của torrent được tạo bên trong nó).</translation>
    </message>
    <message>
        <source>Once complete, keep sharing the data until stopped (SIGINT/SIGTERM).</source>
        <translation>Khi đã tải xong, tiếp tục chia sẻ dữ liệu cho đến khi bị dừng (SIGINT/SIGTERM).</translation>
    </message>
    <message>
        <source>Download at most this many bytes per second (suffix K, M or G).</source>
        <translation>Tải về tối đa ngần này byte mỗi giây (hậu tố K, M hoặc G).</translation>
    </message>
    <message>
        <source>The folder that holds the data (the torrent&apos;s name is inside it).</source>
        <translation>Thư mục chứa dữ liệu (tên của torrent nằm bên trong nó).</translation>
    </message>
    <message>
        <source>The port to listen on for peers; 0 picks a free one (default: peer.listenPort).</source>
        <translation>Cổng lắng nghe các peer; 0 sẽ tự chọn một cổng trống (mặc định: peer.listenPort).</translation>
    </message>
    <message>
        <source>Tracker URL, instead of the .torrent&apos;s trackers (may be repeated).</source>
        <translation>URL của tracker, thay cho các tracker trong tệp .torrent (có thể lặp lại).</translation>
    </message>
    <message>
        <source>Log in to a Swarmshare tracker with this account and use its peer API.</source>
        <translation>Đăng nhập vào tracker Swarmshare bằng tài khoản này và dùng API peer của nó.</translation>
    </message>
    <message>
        <source>The file whose first line is the account&apos;s password.</source>
        <translation>Tệp có dòng đầu tiên là mật khẩu của tài khoản.</translation>
    </message>
    <message>
        <source>Also connect to this peer (may be repeated).</source>
        <translation>Kết nối thêm tới peer này (có thể lặp lại).</translation>
    </message>
    <message>
        <source>Upload at most this many bytes per second (suffix K, M or G).</source>
        <translation>Tải lên tối đa ngần này byte mỗi giây (hậu tố K, M hoặc G).</translation>
    </message>
    <message>
        <source>Print a summary as a JSON object at the end.</source>
        <translation>In bản tóm tắt dạng đối tượng JSON khi kết thúc.</translation>
    </message>
    <message>
        <source>missing the .torrent file</source>
        <translation>thiếu tệp .torrent</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>missing -o DIR: the folder to download into</source>
        <translation>thiếu -o DIR: thư mục để tải về</translation>
    </message>
    <message>
        <source>missing --data DIR: the folder that holds the data</source>
        <translation>thiếu --data DIR: thư mục chứa dữ liệu</translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation>%1 không phải là thư mục</translation>
    </message>
    <message>
        <source>cannot create the folder %1</source>
        <translation>không tạo được thư mục %1</translation>
    </message>
    <message>
        <source>--port needs a number from 0 to 65535</source>
        <translation>--port cần một số từ 0 đến 65535</translation>
    </message>
    <message>
        <source>--%1 needs bytes per second, e.g. 500K or 10M</source>
        <translation>--%1 cần số byte mỗi giây, ví dụ 500K hoặc 10M</translation>
    </message>
    <message>
        <source>--peer needs ADDR:PORT, not &apos;%1&apos;</source>
        <translation>--peer cần ĐỊA_CHỈ:CỔNG, không phải &apos;%1&apos;</translation>
    </message>
    <message>
        <source>--tracker needs an http(s) URL, not &apos;%1&apos;</source>
        <translation>--tracker cần một URL http(s), không phải &apos;%1&apos;</translation>
    </message>
    <message>
        <source>--user and --password-file go together</source>
        <translation>--user và --password-file phải đi cùng nhau</translation>
    </message>
    <message>
        <source>--user needs a tracker: --tracker URL</source>
        <translation>--user cần một tracker: --tracker URL</translation>
    </message>
    <message>
        <source>the password file %1 is empty</source>
        <translation>tệp mật khẩu %1 trống</translation>
    </message>
    <message>
        <source>tracker: %1</source>
        <translation>tracker: %1</translation>
    </message>
    <message>
        <source>the data in %1 is not complete: %2 of %3 pieces are good (swarmshare get completes it)</source>
        <translation>dữ liệu trong %1 chưa đầy đủ: %2 trên %3 mảnh hợp lệ (swarmshare get sẽ tải nốt)</translation>
    </message>
    <message>
        <source>swarmshare get: stopped before the download was complete; run the same command again to resume</source>
        <translation>swarmshare get: đã dừng trước khi tải xong; chạy lại đúng lệnh này để tải tiếp</translation>
    </message>
    <message>
        <source>%1: checking existing data</source>
        <translation>%1: đang kiểm tra dữ liệu có sẵn</translation>
    </message>
    <message>
        <source>%1: %2%  %3 of %4  down %5/s  up %6/s  %7 peers</source>
        <translation>%1: %2%  %3 / %4  tải về %5/s  tải lên %6/s  %7 peer</translation>
    </message>
    <message>
        <source>  ETA %1 s</source>
        <translation>  còn %1 giây</translation>
    </message>
    <message>
        <source>complete and verified</source>
        <translation>đầy đủ và đã kiểm tra</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>chưa đầy đủ</translation>
    </message>
    <message>
        <source>%1: %2 uploaded</source>
        <translation>%1: đã tải lên %2</translation>
    </message>
    <message>
        <source>%1 is not a valid torrent: %2</source>
        <translation>%1 không phải là torrent hợp lệ: %2</translation>
    </message>
    <message numerus="yes">
        <source>%1: %2, %3 downloaded in %4 s from %n peer(s); bad pieces: %5</source>
        <translation>
            <numerusform>%1: %2, đã tải %3 trong %4 giây từ %n peer; mảnh hỏng: %5</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Units</name>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
</context>
<context>
    <name>VerbContext</name>
    <message>
        <source>Try &apos;swarmshare %1 --help&apos; for more information.</source>
        <translation>Hãy chạy &apos;swarmshare %1 --help&apos; để biết thêm.</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>không đọc được %1: %2</translation>
    </message>
</context>
<context>
    <name>VerifyVerb</name>
    <message>
        <source>Check downloaded or shared data against a .torrent, piece by piece.</source>
        <translation>Đối chiếu dữ liệu đã tải xuống hoặc đang chia sẻ với một tệp .torrent, từng mảnh một.</translation>
    </message>
    <message>
        <source>The .torrent file.</source>
        <translation>Tệp .torrent.</translation>
    </message>
    <message>
        <source>The folder that holds the data (the torrent&apos;s name is inside it).</source>
        <translation>Thư mục chứa dữ liệu (bên trong có mục mang tên của torrent).</translation>
    </message>
    <message>
        <source>Print the result as a JSON object.</source>
        <translation>In kết quả dưới dạng một đối tượng JSON.</translation>
    </message>
    <message>
        <source>missing the .torrent file to check against</source>
        <translation>thiếu tệp .torrent để đối chiếu</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>đối số không mong đợi &apos;%1&apos;</translation>
    </message>
    <message>
        <source>missing --data DIR: the folder that holds the data</source>
        <translation>thiếu --data DIR: thư mục chứa dữ liệu</translation>
    </message>
    <message>
        <source>%1 is not a folder</source>
        <translation>%1 không phải là thư mục</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>chưa đủ</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>thiếu</translation>
    </message>
    <message>
        <source>%1: %2 of %3 pieces good</source>
        <translation>%1: %2/%3 mảnh hợp lệ</translation>
    </message>
    <message>
        <source>All data is complete and correct.</source>
        <translation>Toàn bộ dữ liệu đầy đủ và chính xác.</translation>
    </message>
    <message>
        <source>Missing or damaged pieces: %1</source>
        <translation>Các mảnh bị thiếu hoặc hỏng: %1</translation>
    </message>
    <message>
        <source>Files not complete:</source>
        <translation>Các tệp chưa đầy đủ:</translation>
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
    <name>storage::PieceChecker</name>
    <message>
        <source>Checking %1 of %2 pieces</source>
        <translation>Đang kiểm tra %1/%2 mảnh</translation>
    </message>
</context>
<context>
    <name>swarmshare::app::DesktopApp</name>
    <message>
        <source>Swarmshare</source>
        <translation>Swarmshare</translation>
    </message>
    <message>
        <source>Sharing and downloading are off: %1</source>
        <translation>Chia sẻ và tải về đang tắt: %1</translation>
    </message>
    <message>
        <source>Cannot host a tracker: %1</source>
        <translation>Không chạy được tracker: %1</translation>
    </message>
    <message>
        <source>routes to %1</source>
        <translation>chuyển tới %1</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LogModel</name>
    <message>
        <source>Debug</source>
        <translation>Gỡ lỗi</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Thông tin</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Cảnh báo</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Lỗi</translation>
    </message>
    <message>
        <source>Fatal</source>
        <translation>Nghiêm trọng</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Mức</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Thông điệp</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LogView</name>
    <message>
        <source>%1 of %2 lines</source>
        <translation>%1 trên %2 dòng</translation>
    </message>
    <message>
        <source>Everything (debug)</source>
        <translation>Tất cả (gỡ lỗi)</translation>
    </message>
    <message>
        <source>Information and above</source>
        <translation>Thông tin trở lên</translation>
    </message>
    <message>
        <source>Warnings and errors</source>
        <translation>Cảnh báo và lỗi</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>Chỉ lỗi</translation>
    </message>
    <message>
        <source>The least severe lines shown. Debug lines are logged only when the log level in the configuration is debug.</source>
        <translation>Mức thấp nhất được hiển thị. Các dòng gỡ lỗi chỉ được ghi khi mức nhật ký trong cấu hình là debug.</translation>
    </message>
    <message>
        <source>Filter by source or message</source>
        <translation>Lọc theo nguồn hoặc thông điệp</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Sao chép</translation>
    </message>
    <message>
        <source>Copy the selected lines, or every line shown</source>
        <translation>Sao chép các dòng đã chọn, hoặc mọi dòng đang hiển thị</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>&amp;Xoá</translation>
    </message>
    <message>
        <source>Open log &amp;folder</source>
        <translation>Mở thư mục &amp;nhật ký</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::LoginDialog</name>
    <message>
        <source>No tracker is configured yet. Enter a tracker&apos;s address, or host one on this computer.</source>
        <translation>Chưa cấu hình tracker nào. Hãy nhập địa chỉ một tracker, hoặc chạy một tracker trên máy này.</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>Tạo tài khoản</translation>
    </message>
    <message>
        <source>Enter the tracker&apos;s address.</source>
        <translation>Hãy nhập địa chỉ của tracker.</translation>
    </message>
    <message>
        <source>“%1” is not a tracker address: use http://host:port or https://host:port.</source>
        <translation>“%1” không phải là địa chỉ tracker: hãy dùng http://máy:cổng hoặc https://máy:cổng.</translation>
    </message>
    <message>
        <source>Enter your username.</source>
        <translation>Hãy nhập tên người dùng.</translation>
    </message>
    <message>
        <source>Choose a username.</source>
        <translation>Hãy chọn một tên người dùng.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Hãy nhập mật khẩu.</translation>
    </message>
    <message>
        <source>Choose a password.</source>
        <translation>Hãy chọn một mật khẩu.</translation>
    </message>
    <message>
        <source>The password is too short: use at least %1 characters.</source>
        <translation>Mật khẩu quá ngắn: hãy dùng ít nhất %1 ký tự.</translation>
    </message>
    <message>
        <source>The passwords do not match.</source>
        <translation>Hai mật khẩu không khớp nhau.</translation>
    </message>
    <message>
        <source>Creating the account on %1…</source>
        <translation>Đang tạo tài khoản trên %1…</translation>
    </message>
    <message>
        <source>Logging in to %1…</source>
        <translation>Đang đăng nhập vào %1…</translation>
    </message>
    <message>
        <source>Cannot reach the tracker at %1. Check the address, or host a tracker on this computer.</source>
        <translation>Không kết nối được tracker tại %1. Hãy kiểm tra địa chỉ, hoặc chạy một tracker trên máy này.</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>Sai tên người dùng hoặc mật khẩu.</translation>
    </message>
    <message>
        <source>The username “%1” is already taken. Choose another one, or log in if it is yours.</source>
        <translation>Tên người dùng “%1” đã có người dùng. Hãy chọn tên khác, hoặc đăng nhập nếu đó là tài khoản của bạn.</translation>
    </message>
    <message>
        <source>The tracker did not accept these details.</source>
        <translation>Tracker không chấp nhận các thông tin này.</translation>
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
    <message>
        <source>Where to save %1</source>
        <translation>Lưu %1 vào đâu</translation>
    </message>
    <message>
        <source>Share a file</source>
        <translation>Chia sẻ một tệp</translation>
    </message>
    <message>
        <source>Open a .torrent file</source>
        <translation>Mở một tệp .torrent</translation>
    </message>
    <message>
        <source>Torrent files (*.torrent)</source>
        <translation>Tệp torrent (*.torrent)</translation>
    </message>
    <message>
        <source>Down %1  Up %2  Peers %3</source>
        <translation>Tải về %1  Tải lên %2  Peer %3</translation>
    </message>
    <message>
        <source>0 B/s</source>
        <translation>0 B/s</translation>
    </message>
    <message>
        <source>Tracker: %1</source>
        <translation>Tracker: %1</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Xóa</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n item(s) from the list?</source>
        <translation>
            <numerusform>Xóa %n mục khỏi danh sách?</numerusform>
        </translation>
    </message>
    <message>
        <source>Remove, keep the files</source>
        <translation>Xóa, giữ lại các tệp</translation>
    </message>
    <message>
        <source>Remove and delete the files</source>
        <translation>Xóa cả các tệp</translation>
    </message>
    <message>
        <source>D: downloading from it, c: it chokes us, U: uploading to it, I: it connected to us, S: snubbed</source>
        <translation>D: đang tải từ peer này, c: peer đang chặn mình, U: đang gửi cho peer, I: peer kết nối tới mình, S: peer ngừng gửi</translation>
    </message>
    <message>
        <source>Cannot add</source>
        <translation>Không thêm được</translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation>Không mở được %1</translation>
    </message>
    <message>
        <source>Cannot download</source>
        <translation>Không tải về được</translation>
    </message>
    <message>
        <source>The engine is not running.</source>
        <translation>Bộ máy truyền tải chưa chạy.</translation>
    </message>
    <message>
        <source>Cannot share %1</source>
        <translation>Không chia sẻ được %1</translation>
    </message>
    <message>
        <source>Hashing %1...</source>
        <translation>Đang băm %1...</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <source>&amp;Share...</source>
        <translation>&amp;Chia sẻ...</translation>
    </message>
    <message>
        <source>Share a file (or drop files and folders here)</source>
        <translation>Chia sẻ một tệp (hoặc thả tệp và thư mục vào đây)</translation>
    </message>
    <message>
        <source>&amp;Open...</source>
        <translation>&amp;Mở...</translation>
    </message>
    <message>
        <source>Download from a .torrent file</source>
        <translation>Tải về từ một tệp .torrent</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Tạm dừng</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>Tiếp tụ&amp;c</translation>
    </message>
    <message>
        <source>Re&amp;move...</source>
        <translation>&amp;Xóa...</translation>
    </message>
    <message>
        <source>Open &amp;containing folder</source>
        <translation>Mở thư mục &amp;chứa</translation>
    </message>
    <message>
        <source>Copy &amp;info-hash</source>
        <translation>Sao chép &amp;mã băm</translation>
    </message>
    <message>
        <source>&amp;Torrent</source>
        <translation>&amp;Torrent</translation>
    </message>
    <message>
        <source>Toolbar</source>
        <translation>Thanh công cụ</translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation>Mảnh</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>Pieces among connected peers</source>
        <translation>Các mảnh trong số peer đang kết nối</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Phần mềm</translation>
    </message>
    <message>
        <source>Down speed</source>
        <translation>Tốc độ tải về</translation>
    </message>
    <message>
        <source>Up speed</source>
        <translation>Tốc độ tải lên</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>Cờ</translation>
    </message>
    <message>
        <source>Tracker</source>
        <translation>Tracker</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Epoch</source>
        <translation>Kỷ nguyên</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Thay đổi</translation>
    </message>
    <message>
        <source>Lag</source>
        <translation>Độ trễ</translation>
    </message>
    <message>
        <source>Used by this app</source>
        <translation>Ứng dụng đang dùng</translation>
    </message>
    <message>
        <source>Used by this app, as %1</source>
        <translation>Ứng dụng đang dùng, với tài khoản %1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>không có</translation>
    </message>
    <message>
        <source>Hosted here: main</source>
        <translation>Chạy tại đây: chính</translation>
    </message>
    <message>
        <source>Hosted here: backup</source>
        <translation>Chạy tại đây: dự phòng</translation>
    </message>
    <message>
        <source>Hosted here: proxy</source>
        <translation>Chạy tại đây: proxy</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Cài đặt</translation>
    </message>
    <message>
        <source>Se&amp;ttings...</source>
        <translation>Cà&amp;i đặt...</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Bỏ qua</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Bình thường</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Cao</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Kích thước</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Đã xong</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Ưu tiên</translation>
    </message>
    <message>
        <source>Pieces among the tracker&apos;s peers (seeders: %1, leechers: %2)</source>
        <translation>Các mảnh trong các peer của tracker (seeder: %1, leecher: %2)</translation>
    </message>
    <message>
        <source>Pieces among the tracker&apos;s peers</source>
        <translation>Các mảnh trong các peer của tracker</translation>
    </message>
    <message>
        <source>Log in to a tracker to see which pieces its peers have.</source>
        <translation>Đăng nhập vào một tracker để xem các peer của nó có những mảnh nào.</translation>
    </message>
    <message>
        <source>Connecting to the tracker&apos;s live feed...</source>
        <translation>Đang kết nối tới luồng trực tiếp của tracker...</translation>
    </message>
    <message>
        <source>Waiting for the tracker&apos;s map of this file...</source>
        <translation>Đang chờ bản đồ của tracker cho tệp này...</translation>
    </message>
    <message>
        <source>No peer of the tracker has this file yet.</source>
        <translation>Chưa có peer nào của tracker có tệp này.</translation>
    </message>
    <message>
        <source>&amp;Log in...</source>
        <translation>Đăng &amp;nhập...</translation>
    </message>
    <message>
        <source>Log in to a tracker, or create an account</source>
        <translation>Đăng nhập vào một tracker, hoặc tạo tài khoản</translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation>Đăng &amp;xuất</translation>
    </message>
    <message>
        <source>Log out of the tracker and forget the saved login</source>
        <translation>Đăng xuất khỏi tracker và quên thông tin đăng nhập đã lưu</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::PieceRarityMap</name>
    <message numerus="yes">
        <source>Piece %1: held by %n peer(s)</source>
        <translation>
            <numerusform>Mảnh %1: %n peer đang có</numerusform>
        </translation>
    </message>
    <message>
        <source>You have it</source>
        <translation>Bạn đã có mảnh này</translation>
    </message>
    <message>
        <source>You do not have it yet</source>
        <translation>Bạn chưa có mảnh này</translation>
    </message>
    <message numerus="yes">
        <source>Pieces %1 to %2: the rarest is held by %n peer(s)</source>
        <translation>
            <numerusform>Mảnh %1 đến %2: mảnh hiếm nhất chỉ %n peer có</numerusform>
        </translation>
    </message>
    <message>
        <source>You have %1 of these %2 pieces</source>
        <translation>Bạn có %1 trong %2 mảnh này</translation>
    </message>
    <message>
        <source>No pieces to show</source>
        <translation>Không có mảnh nào để hiển thị</translation>
    </message>
    <message>
        <source>Peers with the piece:</source>
        <translation>Số peer có mảnh:</translation>
    </message>
    <message>
        <source>%1+</source>
        <translation>%1+</translation>
    </message>
    <message>
        <source>we have</source>
        <translation>đã có</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SearchModel</name>
    <message>
        <source>%1
Info-hash: %2</source>
        <translation>%1
Mã băm: %2</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 byte</translation>
    </message>
    <message>
        <source>Peers that have the whole file</source>
        <translation>Số peer có toàn bộ tệp</translation>
    </message>
    <message>
        <source>Peers still downloading the file</source>
        <translation>Số peer đang tải tệp</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Kích thước</translation>
    </message>
    <message>
        <source>Seeders</source>
        <translation>Nguồn đủ</translation>
    </message>
    <message>
        <source>Leechers</source>
        <translation>Đang tải</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SearchPanel</name>
    <message>
        <source>Log in to search the files shared on the tracker.</source>
        <translation>Hãy đăng nhập để tìm các tệp được chia sẻ trên tracker.</translation>
    </message>
    <message>
        <source>Type a name and press Enter. An empty search lists every file.</source>
        <translation>Gõ tên rồi nhấn Enter. Tìm với ô trống sẽ liệt kê mọi tệp.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Đang tìm…</translation>
    </message>
    <message>
        <source>The search failed. %1</source>
        <translation>Tìm kiếm thất bại. %1</translation>
    </message>
    <message>
        <source>No files are shared on the tracker yet.</source>
        <translation>Chưa có tệp nào được chia sẻ trên tracker.</translation>
    </message>
    <message>
        <source>No files found for “%1”.</source>
        <translation>Không tìm thấy tệp nào cho “%1”.</translation>
    </message>
    <message numerus="yes">
        <source>The first %n result(s). Refine the search to see others.</source>
        <translation>
            <numerusform>%n kết quả đầu tiên. Hãy tìm cụ thể hơn để xem các kết quả khác.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n kết quả</numerusform>
        </translation>
    </message>
    <message>
        <source>Fetching the .torrent of “%1”…</source>
        <translation>Đang lấy tệp .torrent của “%1”…</translation>
    </message>
    <message>
        <source>Cannot download “%1”. %2</source>
        <translation>Không tải được “%1”. %2</translation>
    </message>
    <message>
        <source>Cannot download “%1”: the tracker sent a .torrent that does not match this file.</source>
        <translation>Không tải được “%1”: tracker gửi một tệp .torrent không khớp với tệp này.</translation>
    </message>
    <message>
        <source>“%1” was added to the downloads.</source>
        <translation>Đã thêm “%1” vào danh sách tải về.</translation>
    </message>
    <message>
        <source>The tracker no longer has this file.</source>
        <translation>Tracker không còn tệp này.</translation>
    </message>
    <message>
        <source>Search files shared on the tracker</source>
        <translation>Tìm các tệp được chia sẻ trên tracker</translation>
    </message>
    <message>
        <source>Part of a file name. Leave empty to list every file.</source>
        <translation>Một phần tên tệp. Để trống để liệt kê mọi tệp.</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Tìm</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Tải về</translation>
    </message>
    <message>
        <source>Download the selected file (or double-click it)</source>
        <translation>Tải về tệp đã chọn (hoặc nhấp đúp vào nó)</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Kết quả tìm kiếm</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::SettingsDialog</name>
    <message>
        <source>The main tracker, the backup tracker and the proxy need three different ports; %1 is used twice.</source>
        <translation>Tracker chính, tracker dự phòng và proxy cần ba cổng khác nhau; cổng %1 bị dùng hai lần.</translation>
    </message>
    <message>
        <source>Port %1 is both the listen port and a tracker port.</source>
        <translation>Cổng %1 vừa là cổng lắng nghe vừa là cổng tracker.</translation>
    </message>
    <message>
        <source>Download folder</source>
        <translation>Thư mục tải về</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::TorrentModel</name>
    <message>
        <source>Checking</source>
        <translation>Đang kiểm tra</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Đang chờ</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>Đang tải về</translation>
    </message>
    <message>
        <source>Sharing</source>
        <translation>Đang chia sẻ</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Tạm dừng</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Lỗi</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 giây</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 phút %2 giây</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 giờ %2 phút</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 ngày %2 giờ</translation>
    </message>
    <message>
        <source>%1 (%2 sharing)</source>
        <translation>%1 (%2 đang chia sẻ)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Kích thước</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Tiến độ</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Down speed</source>
        <translation>Tốc độ tải về</translation>
    </message>
    <message>
        <source>Up speed</source>
        <translation>Tốc độ tải lên</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>Còn lại</translation>
    </message>
    <message>
        <source>Peers</source>
        <translation>Peer</translation>
    </message>
    <message>
        <source>Ratio</source>
        <translation>Tỉ lệ</translation>
    </message>
</context>
<context>
    <name>swarmshare::gui::TrayIcon</name>
    <message>
        <source>Swarmshare — ↓ %1 ↑ %2</source>
        <translation>Swarmshare — ↓ %1 ↑ %2</translation>
    </message>
    <message>
        <source>&amp;Hide window</source>
        <translation>Ẩ&amp;n cửa sổ</translation>
    </message>
    <message>
        <source>&amp;Show window</source>
        <translation>&amp;Hiện cửa sổ</translation>
    </message>
    <message>
        <source>Download complete</source>
        <translation>Đã tải xong</translation>
    </message>
    <message>
        <source>%1 has finished downloading.</source>
        <translation>%1 đã tải về xong.</translation>
    </message>
    <message>
        <source>&amp;Pause all</source>
        <translation>&amp;Tạm dừng tất cả</translation>
    </message>
    <message>
        <source>&amp;Resume all</source>
        <translation>Tiếp tụ&amp;c tất cả</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Thoát</translation>
    </message>
</context>
</TS>
