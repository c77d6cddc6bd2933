<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>BackEntryDialog</name>
    <message>
        <location filename="../../ui/backentry_form.py" line="55"/>
        <source>补录纸质台账</source>
        <translation>Enter the paper ledger</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="59"/>
        <source>值班日期</source>
        <translation>Duty date</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="69"/>
        <source>选择文件导入(CSV/XLSX)…</source>
        <translation>Import a file (CSV/XLSX)…</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="74"/>
        <source>列: 时间,车牌,车型,人数,出发地,目的地,处置,备注(第一行为表头)</source>
        <translation>Columns: time, plate, vehicle_type, people, origin, destination, disposition, note (the first row is the header)</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="86"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="92"/>
        <source>单条补录</source>
        <translation>Enter one vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="98"/>
        <source>如 浙A12345</source>
        <translation>e.g. 浙A12345</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="111"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="111"/>
        <source>车牌</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="112"/>
        <source>车型</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="112"/>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="113"/>
        <source>出发地</source>
        <translation>Origin</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="113"/>
        <source>目的地</source>
        <translation>Destination</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="114"/>
        <source>处置</source>
        <translation>Disposition</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="114"/>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="122"/>
        <source>保存这一条</source>
        <translation>Save this vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="134"/>
        <source>选择纸质台账文件</source>
        <translation>Choose the paper-ledger file</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="134"/>
        <source>表格 (*.csv *.xlsx)</source>
        <translation>Spreadsheets (*.csv *.xlsx)</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="172"/>
        <source>正在检查并保存…</source>
        <translation>Checking and saving…</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="185"/>
        <source>已补录 {n} 辆、{p} 人({file})</source>
        <translation>Entered {n} vehicles, {p} people ({file})</translation>
    </message>
    <message>
        <location filename="../../ui/backentry_form.py" line="197"/>
        <source>第 {n} 行</source>
        <translation>Line {n}</translation>
    </message>
</context>
<context>
    <name>CameraBridge</name>
    <message>
        <location filename="../../ui/camera_bridge.py" line="132"/>
        <source>调暗手机亮度</source>
        <translation>Dim the phone screen</translation>
    </message>
    <message>
        <location filename="../../ui/camera_bridge.py" line="134"/>
        <source>倾斜手机</source>
        <translation>Tilt the phone</translation>
    </message>
    <message>
        <location filename="../../ui/camera_bridge.py" line="135"/>
        <source>靠近一点</source>
        <translation>Come a little closer</translation>
    </message>
</context>
<context>
    <name>CameraDialog</name>
    <message>
        <location filename="../../ui/camera_dialog.py" line="55"/>
        <source>摄像头设置</source>
        <translation>Camera settings</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="75"/>
        <source>摄像头实际接受的设置(读回)</source>
        <translation>What the camera accepted (read back)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="81"/>
        <source>分辨率</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="82"/>
        <source>帧率</source>
        <translation>Frame rate</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="83"/>
        <source>像素格式</source>
        <translation>Pixel format</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="84"/>
        <source>曝光模式</source>
        <translation>Exposure mode</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="85"/>
        <source>曝光值</source>
        <translation>Exposure</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="86"/>
        <source>增益</source>
        <translation>Gain</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="87"/>
        <source>对焦</source>
        <translation>Focus</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="88"/>
        <source>曝光调节</source>
        <translation>Exposure loop</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="99"/>
        <source>找到的摄像头</source>
        <translation>Cameras found</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="109"/>
        <source>重新查找</source>
        <translation>Look again</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="111"/>
        <source>使用所选摄像头</source>
        <translation>Use the selected camera</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="154"/>
        <source>{0:.0f} fps(实测 {1:.1f} fps)</source>
        <translation>{0:.0f} fps (measured {1:.1f} fps)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="156"/>
        <source>实测 {0:.1f} fps</source>
        <translation>measured {0:.1f} fps</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="171"/>
        <source>未连接摄像头</source>
        <translation>No camera connected</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="173"/>
        <source>USB 摄像头 {0}</source>
        <translation>USB camera {0}</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="175"/>
        <source>演示摄像头(DEMO)</source>
        <translation>Demo camera (DEMO)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="177"/>
        <source>曝光测试摄像头</source>
        <translation>Exposure test camera</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="178"/>
        <source>视频来源: </source>
        <translation>Video source: </translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="185"/>
        <source>不可调(此来源不受查验台控制)</source>
        <translation>Not adjustable (the desk does not control this source)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="187"/>
        <source>摄像头不接受手动曝光,保持自动曝光(照常扫码)</source>
        <translation>The camera refuses manual exposure; it stays on automatic (scanning goes on as usual)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="189"/>
        <source>自动</source>
        <translation>Automatic</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="190"/>
        <source>手动,第 {0:+d} 档</source>
        <translation>Manual, step {0:+d}</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="198"/>
        <source>{0:g}({1:.1f} 毫秒)</source>
        <translation>{0:g} ({1:.1f} ms)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="204"/>
        <source>自动对焦</source>
        <translation>Autofocus</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="213"/>
        <source>不调节(摄像头自动曝光)</source>
        <translation>Not stepping (the camera&apos;s automatic exposure)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="215"/>
        <source>正在试第 {0:+d} 档,还剩 {1} 档</source>
        <translation>Trying step {0:+d}, {1} steps left</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="218"/>
        <source>看到未读出的码,准备调节</source>
        <translation>A code is in view but not read; about to step</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="220"/>
        <source>待机(自动曝光)</source>
        <translation>Standing by (automatic exposure)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="222"/>
        <source>;上次读出: 第 {0:+d} 档</source>
        <translation>; last read at step {0:+d}</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="224"/>
        <source>;已重新对焦 {0} 次</source>
        <translation>; refocused {0} times</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="228"/>
        <source>不支持</source>
        <translation>Not offered</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="238"/>
        <source>正在查找摄像头…</source>
        <translation>Looking for cameras…</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="259"/>
        <source>摄像头 {0}(正在使用)</source>
        <translation>Camera {0} (in use)</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="265"/>
        <source>摄像头 {0}</source>
        <translation>Camera {0}</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="270"/>
        <source>未找到其他摄像头</source>
        <translation>No other camera found</translation>
    </message>
    <message>
        <location filename="../../ui/camera_dialog.py" line="272"/>
        <source>演示模式使用演示摄像头</source>
        <translation>Demo mode uses the demo camera</translation>
    </message>
</context>
<context>
    <name>CorrectionForm</name>
    <message>
        <location filename="../../ui/correction_form.py" line="40"/>
        <source>车牌号</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="41"/>
        <source>车型</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="42"/>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="43"/>
        <source>出发地</source>
        <translation>Origin</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="44"/>
        <source>目的地</source>
        <translation>Destination</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="45"/>
        <source>分流</source>
        <translation>Disposition</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="46"/>
        <source>健康码颜色</source>
        <translation>Health code colour</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="47"/>
        <source>体温</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="48"/>
        <source>核酸</source>
        <translation>Test</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="49"/>
        <source>行程卡带星</source>
        <translation>Itinerary star</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="50"/>
        <source>建议分流</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="51"/>
        <source>落地报备</source>
        <translation>Report to community</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="52"/>
        <source>改判原因</source>
        <translation>Override reason</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="56"/>
        <source>第 {n} 人</source>
        <translation>Person {n}</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="72"/>
        <source>更正记录</source>
        <translation>Corrections</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="84"/>
        <source>更正项</source>
        <translation>Field</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="87"/>
        <source>新值</source>
        <translation>New value</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="90"/>
        <source>为什么更正(必填)</source>
        <translation>Why (required)</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="91"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="100"/>
        <source>保存更正</source>
        <translation>Save correction</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="103"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="114"/>
        <source>如 小客车 / car / truck</source>
        <translation>e.g. car / truck</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="115"/>
        <source>如 3</source>
        <translation>e.g. 3</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="116"/>
        <source>如 放行 / 转运隔离</source>
        <translation>e.g. release / quarantine</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="117"/>
        <source>绿码 / 黄码 / 红码</source>
        <translation>green / yellow / red</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="118"/>
        <source>如 37.8</source>
        <translation>e.g. 37.8</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="119"/>
        <source>negative:小时数 / positive / none</source>
        <translation>negative:HOURS / positive / none</translation>
    </message>
    <message>
        <location filename="../../ui/correction_form.py" line="120"/>
        <source>yes / no</source>
        <translation>yes / no</translation>
    </message>
</context>
<context>
    <name>DivertStep</name>
    <message>
        <location filename="../../ui/step_divert.py" line="72"/>
        <source>不按建议分流的原因(必填)</source>
        <translation>Reason for not following the suggestion (required)</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="73"/>
        <source>确认分流  Enter</source>
        <translation>Confirm  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="83"/>
        <location filename="../../ui/step_divert.py" line="204"/>
        <source>Enter = 按建议分流;选择其他分流方式需填写原因</source>
        <translation>Enter = follow the suggestion; another choice needs a reason</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="100"/>
        <source>确认放行  Enter</source>
        <translation>Confirm release  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="109"/>
        <source>组长/点长授权:</source>
        <translation>Leader&apos;s authorisation:</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="111"/>
        <source>组长姓名</source>
        <translation>Leader&apos;s name</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="113"/>
        <source>组长 PIN</source>
        <translation>Leader&apos;s PIN</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="118"/>
        <source>授权并分流  Enter</source>
        <translation>Authorise and divert  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="157"/>
        <source>确认将 {s} 改为 放行?被推翻的原因:</source>
        <translation>Release instead of {s}? The reasons being overruled:</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="203"/>
        <source>Enter = 确认更改;Esc = 返回按建议分流</source>
        <translation>Enter = confirm the change; Esc = back to the suggestion</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="213"/>
        <source>建议</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="219"/>
        <source>改为 {d},原因:</source>
        <translation>Change to {d}, because:</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="231"/>
        <source>通过</source>
        <translation>Pass</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="231"/>
        <source>需关注</source>
        <translation>Attention</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="232"/>
        <source>拦截</source>
        <translation>Stop</translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="239"/>
        <source>车上人员: </source>
        <translation>In the vehicle: </translation>
    </message>
    <message>
        <location filename="../../ui/step_divert.py" line="212"/>
        <source>建议 · Enter</source>
        <translation>Suggested · Enter</translation>
    </message>
</context>
<context>
    <name>FlowChart</name>
    <message>
        <location filename="../../ui/shift_glance.py" line="71"/>
        <source>暂无车辆</source>
        <translation>No vehicles yet</translation>
    </message>
</context>
<context>
    <name>GuideStep</name>
    <message>
        <location filename="../../ui/step_guide.py" line="41"/>
        <source>省份</source>
        <translation>Province</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="56"/>
        <source>车牌号</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="58"/>
        <source>例 A12345 或 AD12345</source>
        <translation>e.g. A12345 or AD12345</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="65"/>
        <source>车型</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="76"/>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="90"/>
        <source>Ctrl+↑/↓</source>
        <translation>Ctrl+↑/↓</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="93"/>
        <source>始发地</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="96"/>
        <source>从哪里来(可不填)</source>
        <translation>Coming from (optional)</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="98"/>
        <source>目的地</source>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="101"/>
        <source>到哪里去(可不填)</source>
        <translation>Going to (optional)</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="104"/>
        <source>开始核验  Enter</source>
        <translation>Start verifying  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="142"/>
        <source>普通车牌</source>
        <translation>ordinary plate</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="142"/>
        <source>挂车</source>
        <translation>trailer</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="143"/>
        <source>新能源</source>
        <translation>new energy</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="150"/>
        <source>车牌不使用字母 I 和 O(请用 1 和 0)</source>
        <translation>Plates never use the letters I or O (use 1 and 0)</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="151"/>
        <source>车牌须以省份简称开头,如 浙</source>
        <translation>A plate starts with a province abbreviation</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="152"/>
        <source>8 位车牌但不是有效的新能源车牌</source>
        <translation>8 characters but not a valid new-energy plate</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="153"/>
        <source>请输入车牌号</source>
        <translation>Enter the plate</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="154"/>
        <source>车牌格式不对(例 浙A12345、浙AD12345)</source>
        <translation>Not a valid plate (e.g. A12345, AD12345)</translation>
    </message>
    <message>
        <location filename="../../ui/step_guide.py" line="182"/>
        <source>上一辆: {plate} → {d}</source>
        <translation>Last vehicle: {plate} → {d}</translation>
    </message>
</context>
<context>
    <name>HandoverDialog</name>
    <message>
        <location filename="../../ui/handover.py" line="46"/>
        <location filename="../../ui/handover.py" line="78"/>
        <source>交班</source>
        <translation>Handover</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="59"/>
        <source>(未指定)</source>
        <translation>(not named)</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="64"/>
        <source>接班组长</source>
        <translation>Incoming leader</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="66"/>
        <source>本班情况、设备、物资……</source>
        <translation>How the shift went, equipment, supplies…</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="67"/>
        <source>交接说明</source>
        <translation>Handover note</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="69"/>
        <source>需要下一班跟进的事项</source>
        <translation>What the next shift must follow up</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="70"/>
        <source>遗留问题</source>
        <translation>Open issues</translation>
    </message>
    <message>
        <location filename="../../ui/handover.py" line="71"/>
        <source>交班后打印交接班报告</source>
        <translation>Print the handover report after handing over</translation>
    </message>
</context>
<context>
    <name>InspectionScreen</name>
    <message>
        <location filename="../../ui/inspection_screen.py" line="108"/>
        <source>引导</source>
        <translation>Guide</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="108"/>
        <source>核验</source>
        <translation>Verify</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="109"/>
        <source>录入</source>
        <translation>Record</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="109"/>
        <source>分流</source>
        <translation>Divert</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="220"/>
        <source>这个码已经登记过了</source>
        <translation>This code is already recorded</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="221"/>
        <source>先录入车牌,再扫码</source>
        <translation>Enter the plate first, then scan</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="222"/>
        <source>更正已保存</source>
        <translation>Correction saved</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="226"/>
        <source>演示(DEMO)凭证不能用于正式查验,未登记;请人工核验</source>
        <translation>A DEMO pass is not valid at a real lane and was not recorded; check by eye</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="234"/>
        <source>{plate} · {type} · {n}人</source>
        <translation>{plate} · {type} · {n} people</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="249"/>
        <source>更改分流建议需要组长或点长授权</source>
        <translation>Changing the suggestion needs a leader&apos;s authorisation</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="250"/>
        <source>{name} 不是组长或点长,不能授权</source>
        <translation>{name} is not a shift leader or point chief and cannot authorise</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="253"/>
        <source>演示(DEMO)凭证不能用于正式查验</source>
        <translation>A DEMO pass is not valid at a real lane</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="254"/>
        <source>更正须填写原因</source>
        <translation>A correction needs a reason</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="255"/>
        <source>新值与已保存的相同</source>
        <translation>The new value is the same as the saved one</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="256"/>
        <source>请选择车型</source>
        <translation>Choose the vehicle type</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="216"/>
        <source>分段码已扫 {seen}/{total} 段,请继续扫其余部分</source>
        <translation>Split code: {seen} of {total} parts scanned, scan the rest</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="223"/>
        <source>不是健康码/通行码</source>
        <translation>Not a health code or pass</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="224"/>
        <source>分段码:请继续扫其余部分</source>
        <translation>Split code: scan the other parts</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="225"/>
        <source>已删除误加的人员</source>
        <translation>The person added by mistake was removed</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="245"/>
        <source>还有 {n} 人未核验:扫码,或点“添加人员(人工)”</source>
        <translation>{n} more to verify: scan, or press &quot;Add person (by eye)&quot;</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="247"/>
        <source>体温应在 30–45 °C 之间</source>
        <translation>Temperature must be between 30 and 45 °C</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="248"/>
        <source>不按建议分流,必须填写原因</source>
        <translation>Not following the suggestion needs a reason</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="257"/>
        <source>删除人员须填写原因</source>
        <translation>Removing a person needs a reason</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="258"/>
        <source>当前步骤不能这样操作</source>
        <translation>Not possible at this step</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="259"/>
        <source>车上至少有 1 人(驾驶员)</source>
        <translation>A vehicle carries at least 1 person (the driver)</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="260"/>
        <source>没有这个人员</source>
        <translation>No such person</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="261"/>
        <source>身份证号格式不对</source>
        <translation>That is not a valid ID number</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="263"/>
        <source>本车道还没有站点密钥,不能登记身份证号(见 checkpoint site-key)</source>
        <translation>This lane has no site key yet, so ID numbers cannot be recorded (see checkpoint site-key)</translation>
    </message>
    <message>
        <location filename="../../ui/inspection_screen.py" line="290"/>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
</context>
<context>
    <name>LeaderDesk</name>
    <message>
        <location filename="../../ui/leader_desk.py" line="41"/>
        <source>班况  Ctrl+3</source>
        <translation>Shift  Ctrl+3</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="45"/>
        <source>136 应急  Ctrl+4</source>
        <translation>136 response  Ctrl+4</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="47"/>
        <source>组长</source>
        <translation>Leader</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="48"/>
        <source>班况</source>
        <translation>Shift at a glance</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="53"/>
        <source>136 应急处置</source>
        <translation>136 response</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="58"/>
        <source>团队管理…</source>
        <translation>Team…</translation>
    </message>
    <message>
        <location filename="../../ui/leader_desk.py" line="62"/>
        <source>补录纸质台账…</source>
        <translation>Paper ledger…</translation>
    </message>
</context>
<context>
    <name>LedgerModel</name>
    <message>
        <location filename="../../ui/ledger_view.py" line="84"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="84"/>
        <source>车牌号</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="84"/>
        <source>车型</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="84"/>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="85"/>
        <source>建议</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="85"/>
        <source>分流</source>
        <translation>Divert</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="85"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="151"/>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="153"/>
        <source> · 改判</source>
        <translation> · overridden</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="155"/>
        <source>进行中: </source>
        <translation>Open: </translation>
    </message>
</context>
<context>
    <name>LedgerScreen</name>
    <message>
        <location filename="../../ui/ledger_view.py" line="205"/>
        <source>车牌</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="207"/>
        <source>车牌的一部分</source>
        <translation>Part of a plate</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="210"/>
        <location filename="../../ui/ledger_view.py" line="440"/>
        <source>分流</source>
        <translation>Divert</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="212"/>
        <location filename="../../ui/ledger_view.py" line="278"/>
        <location filename="../../ui/ledger_view.py" line="283"/>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="217"/>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="221"/>
        <source>到</source>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="225"/>
        <source>按时间筛选</source>
        <translation>Filter by time</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="261"/>
        <source>跨班次查询</source>
        <translation>All shifts</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="269"/>
        <source>日期从</source>
        <translation>Dates from</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="269"/>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="276"/>
        <source>车道</source>
        <translation>Lane</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="281"/>
        <source>人员</source>
        <translation>Staff</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="287"/>
        <source>导出所列…</source>
        <translation>Export shown…</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="289"/>
        <source>补录纸质台账…</source>
        <translation>Paper ledger…</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="397"/>
        <source>共 {n} 辆</source>
        <translation>{n} vehicles</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="408"/>
        <source>导出所列车辆</source>
        <translation>Export the vehicles shown</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="408"/>
        <source>表格 (*.xlsx *.csv)</source>
        <translation>Spreadsheets (*.xlsx *.csv)</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="418"/>
        <source>已导出 {n} 辆到 {path}</source>
        <translation>Exported {n} vehicles to {path}</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="440"/>
        <source>人</source>
        <translation> people</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="440"/>
        <source>建议</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="441"/>
        <source>改判原因</source>
        <translation>Override reason</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="441"/>
        <source>政策</source>
        <translation>Policy</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="460"/>
        <source>司乘人员</source>
        <translation>Driver and passengers</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="467"/>
        <source> · 人工核验</source>
        <translation> · checked by eye</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="472"/>
        <source>更正记录</source>
        <translation>Corrections</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="473"/>
        <source>原值</source>
        <translation>was</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="473"/>
        <source>新值</source>
        <translation>now</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="481"/>
        <source>补录</source>
        <translation>Back-entered</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="497"/>
        <source>车辆详情</source>
        <translation>Vehicle details</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="509"/>
        <source>更正…</source>
        <translation>Correct…</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="519"/>
        <source>启动 136 应急</source>
        <translation>Start a 136 response</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="524"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/ledger_view.py" line="559"/>
        <source>已启动 136 应急处置: {plate}</source>
        <translation>136 response started: {plate}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="124"/>
        <source>摄像头: 未启动</source>
        <translation>Camera: not started</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="130"/>
        <location filename="../../ui/main_window.py" line="545"/>
        <source>卡口查验台</source>
        <translation>Checkpoint Desk</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="172"/>
        <source>演示模式: 任选一人, PIN 0000</source>
        <translation>Demo mode: pick anyone, PIN 0000</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="202"/>
        <source>查验台</source>
        <translation>Desk</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="203"/>
        <source>查验</source>
        <translation>Inspect</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="205"/>
        <source>台账</source>
        <translation>Ledger</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="207"/>
        <source>交班打印</source>
        <translation>Print handover</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="209"/>
        <source>交班…</source>
        <translation>Hand over…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="211"/>
        <source>退出登录</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="217"/>
        <source>显示</source>
        <translation>View</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="218"/>
        <source>夜间模式</source>
        <translation>Night theme</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="223"/>
        <source>摄像头设置…</source>
        <translation>Camera settings…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="227"/>
        <source>语言 Language</source>
        <translation>语言 Language</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="241"/>
        <source>数据库异常: </source>
        <translation>Database problem: </translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="246"/>
        <source>未开班</source>
        <translation>no shift open</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="247"/>
        <source>组长</source>
        <translation>Leader</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="252"/>
        <source>数据位置: </source>
        <translation>Data: </translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="265"/>
        <source>值班: </source>
        <translation>On duty: </translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="268"/>
        <source>未登录</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="305"/>
        <source>查验  Ctrl+1</source>
        <translation>Inspect  Ctrl+1</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="306"/>
        <source>台账  Ctrl+2</source>
        <translation>Ledger  Ctrl+2</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="340"/>
        <source>摄像头未启用</source>
        <translation>Camera off</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="358"/>
        <source>摄像头: 正在连接…</source>
        <translation>Camera: connecting…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="371"/>
        <source>摄像头: 演示摄像头(DEMO)</source>
        <translation>Camera: demo camera (DEMO)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="382"/>
        <source>未连接摄像头 — 可人工核验</source>
        <translation>No camera connected — check by eye</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="384"/>
        <source>摄像头断开,正在重连… — 可人工核验</source>
        <translation>Camera disconnected, reconnecting… — check by eye</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="517"/>
        <source>本班还有 {n} 分钟结束;交班后请接班组长登录并提前开班(记为提前开班),否则到 {end} 前本车道无法登记车辆。</source>
        <translation>This shift ends in {n} minutes; after the handover the incoming leader signs in and opens the next shift early (recorded as an early start), otherwise no vehicle can be recorded at this lane until {end}.</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="566"/>
        <source>不能发送到服务器</source>
        <translation>cannot send to the server</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="391"/>
        <source>演示摄像头(DEMO)</source>
        <translation>demo camera (DEMO)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="391"/>
        <source>USB 摄像头</source>
        <translation>USB camera</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="397"/>
        <source>摄像头: </source>
        <translation>Camera: </translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="502"/>
        <source>交班需要组长或点长</source>
        <translation>Handing over needs the shift leader or the point chief</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="505"/>
        <source>请先完成当前车辆,再交班</source>
        <translation>Finish the current vehicle before handing over</translation>
    </message>
</context>
<context>
    <name>OverdueBanner</name>
    <message>
        <location filename="../../ui/response_panel.py" line="80"/>
        <source>去处置</source>
        <translation>Handle it</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="98"/>
        <source>{plate} 超时 {n} 分钟: {what} ({lane})</source>
        <translation>{plate} {n} min overdue: {what} ({lane})</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="103"/>
        <source>136 超时: </source>
        <translation>136 overdue: </translation>
    </message>
</context>
<context>
    <name>PersonText</name>
    <message>
        <location filename="../../ui/step_verify.py" line="120"/>
        <location filename="../../ui/step_verify.py" line="131"/>
        <source>健康码未核验</source>
        <translation>Health code not verified</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="133"/>
        <source>行程带星</source>
        <translation>Itinerary star</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="133"/>
        <source>行程无星</source>
        <translation>No star</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="135"/>
        <source>行程未核验</source>
        <translation>Itinerary not verified</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="137"/>
        <source>核酸{h}小时</source>
        <translation>Test {h} h ago</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="138"/>
        <source>无核酸</source>
        <translation>No test</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="140"/>
        <source>体温未测</source>
        <translation>No temperature</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="145"/>
        <source>无法读取 = 未核验</source>
        <translation>Unreadable = not verified</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="147"/>
        <source>无法离线核验 = 未核验:请看手机页面,点下方按钮记录</source>
        <translation>Cannot be verified offline = not verified: look at the phone, record it with the buttons below</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="149"/>
        <source>DEMO 演示凭证</source>
        <translation>DEMO pass</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <location filename="../../ui/errors.py" line="22"/>
        <source>查验车辆</source>
        <translation>run inspections</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="23"/>
        <source>开班或关班</source>
        <translation>open or close a shift</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="24"/>
        <source>更改分流建议</source>
        <translation>override a suggested disposition</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="25"/>
        <source>更正记录</source>
        <translation>correct a saved record</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="26"/>
        <source>打印报表</source>
        <translation>print reports</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="27"/>
        <source>导出数据</source>
        <translation>export data</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="28"/>
        <source>管理人员</source>
        <translation>manage staff</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="29"/>
        <source>管理查验政策</source>
        <translation>manage the policy</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="30"/>
        <source>管理信任证书</source>
        <translation>manage the trust store</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="31"/>
        <source>管理数据保留与清除</source>
        <translation>manage data retention and purging</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="32"/>
        <source>没有名为 {name} 的在岗人员</source>
        <translation>No active staff member called {name}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="33"/>
        <source>{name} 尚未设置 PIN,请点长设置</source>
        <translation>{name} has no PIN yet; the point chief sets one</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="34"/>
        <source>PIN 错误,还可尝试 {left} 次</source>
        <translation>Wrong PIN; {left} more tries before the account locks</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="35"/>
        <source>PIN 错误</source>
        <translation>Wrong PIN</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="36"/>
        <source>PIN 错误次数过多,账号已锁定至 {until}</source>
        <translation>Too many wrong tries; the account is locked until {until}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="37"/>
        <source>账号已锁定至 {until}</source>
        <translation>The account is locked until {until}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="38"/>
        <source>本车道登录已锁定至 {until},请点长解锁</source>
        <translation>Sign-in at this lane is locked until {until}; the point chief can lift it</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="39"/>
        <source>PIN/密码不能为空,也不能以空格开头或结尾</source>
        <translation>The PIN or password is empty or starts or ends with a space</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="40"/>
        <source>PIN 至少 {digits} 位数字</source>
        <translation>A PIN needs at least {digits} digits</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="41"/>
        <source>密码至少 {chars} 个字符</source>
        <translation>A password needs at least {chars} characters</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="42"/>
        <source>已有点长账号,请用点长账号添加人员</source>
        <translation>A point chief account exists already; sign in as the point chief to add staff</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="43"/>
        <source>{name} 的角色无效</source>
        <translation>{name} has an unknown role</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="44"/>
        <source>{name} 的账号已停用,不能{permission}</source>
        <translation>{name}&apos;s account is disabled; they may not {permission}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="45"/>
        <source>{role}{name} 无权{permission}</source>
        <translation>{role} {name} may not {permission}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="46"/>
        <source>{duty_date} 第 {shift} 班已经开班,请直接登录加入</source>
        <translation>Shift {shift} of {duty_date} is open already; sign in to join it</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="48"/>
        <source>{duty_date} 第 {shift} 班已开过并已交班,同一班次不能再开</source>
        <translation>Shift {shift} of {duty_date} was opened and handed over already; a shift cannot be opened twice</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="50"/>
        <source>{duty_date} 第 {shift} 班已经交班</source>
        <translation>Shift {shift} of {duty_date} is handed over already</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="51"/>
        <source>{duty_date} 第 {shift} 班不能早于开班时间交班,请检查电脑时钟</source>
        <translation>Shift {shift} of {duty_date} cannot close before it opened; check the computer&apos;s clock</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="53"/>
        <source>{duty_date} 第 {shift} 班已交班,不能再加入</source>
        <translation>Shift {shift} of {duty_date} is handed over; it cannot be joined</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="54"/>
        <source>没有这个班次</source>
        <translation>That shift does not exist</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="55"/>
        <source>本站尚未设置排班,请先运行 checkpoint init</source>
        <translation>No shift plan is set up for this site; run checkpoint init first</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="56"/>
        <source>{name} 不在本站人员名单中</source>
        <translation>{name} is not on this site&apos;s staff list</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="57"/>
        <source>请填写姓名</source>
        <translation>Please enter a name</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="58"/>
        <source>本车道的人员名单由卡口服务器管理,请在服务器上修改</source>
        <translation>This lane&apos;s staff list is managed by the checkpoint&apos;s server; change the team there</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="60"/>
        <source>已有名为 {name} 的人员</source>
        <translation>There is already a staff member called {name}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="61"/>
        <source>{name} 是唯一的在岗点长,请先添加另一位点长</source>
        <translation>{name} is the only active point chief; add another one first</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="63"/>
        <source>{name} 已经是{role}</source>
        <translation>{name} already has the role {role}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="64"/>
        <source>不能停用自己的账号,请另一位点长操作</source>
        <translation>You cannot retire your own account; ask another point chief</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="65"/>
        <source>{name} 的账号已停用</source>
        <translation>{name} is already retired</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="66"/>
        <source>数据库被其他程序锁定,请稍后再试({where})</source>
        <translation>The database is locked by another program; try again in a moment ({where})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="67"/>
        <source>数据库只读,请检查文件权限({where})</source>
        <translation>The database is read-only; check the file&apos;s permissions ({where})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="68"/>
        <source>数据库已满(磁盘或容量上限),请清理空间后重试({where})</source>
        <translation>The database is full (disk or size limit); free space and retry ({where})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="70"/>
        <source>无法打开数据库文件,请检查路径和权限({where})</source>
        <translation>The database file cannot be opened; check the path and permissions ({where})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="72"/>
        <source>与数据库服务器的连接断开,这一步没有保存,请重试({where})</source>
        <translation>The connection to the database server was lost; this step was not saved, try again ({where})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="74"/>
        <source>连不上数据库服务器 {where}({detail})</source>
        <translation>The database server {where} cannot be reached ({detail})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="75"/>
        <source>数据库 {where} 不存在,请先创建({detail})</source>
        <translation>The database {where} does not exist; create it first ({detail})</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="76"/>
        <source>数据库服务器拒绝了 {where} 的用户名或密码</source>
        <translation>The database server rejected the user or password for {where}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="78"/>
        <source>数据库错误({where}): {detail}</source>
        <translation>Database error on {where}: {detail}</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="79"/>
        <source>运行中数据库文件 {where} 被删除,之后的内容不会保存:请放回文件(或恢复备份)后重启</source>
        <translation>The database file {where} was removed while the program was running; nothing more is saved: put it back (or restore a backup) and restart</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="82"/>
        <source>运行中数据库文件 {where} 被替换,之后的内容不会保存:请重启以使用新文件</source>
        <translation>The database file {where} was replaced while the program was running; nothing more is saved: restart to work with the new file</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="84"/>
        <source>数据库 {where} 已不是本站的数据库(运行中被替换),之后的内容不会保存</source>
        <translation>The database {where} no longer holds this site (it was replaced while the program was running); nothing more is saved</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="86"/>
        <source>数据库 {where} 尚未初始化或版本过旧,请先运行 checkpoint init</source>
        <translation>The database {where} is not initialised or is out of date; run checkpoint init first</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="88"/>
        <source>这次 136 应急处置已经结束</source>
        <translation>This 136 response is closed</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="89"/>
        <source>“{measure}”已经记录完成</source>
        <translation>“{measure}” was ticked already</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="90"/>
        <source>还有 {left} 项措施未完成:请先完成,或填写结束说明</source>
        <translation>{left} measures are not done yet: tick them, or close with a note saying why</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="92"/>
        <source>这辆车已经启动过 136 应急处置</source>
        <translation>A 136 response was already started for this vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="93"/>
        <source>更正须填写原因</source>
        <translation>A correction needs a reason</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="94"/>
        <source>新值与已保存的相同</source>
        <translation>The new value is the same as the saved one</translation>
    </message>
    <message>
        <location filename="../../ui/errors.py" line="95"/>
        <source>没有这条记录</source>
        <translation>That record does not exist</translation>
    </message>
</context>
<context>
    <name>RecordStep</name>
    <message>
        <location filename="../../ui/step_record.py" line="39"/>
        <source>已保存,请核对台账记录</source>
        <translation>Saved. Check the ledger entry</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="48"/>
        <source>更正(保留原值、更正人和原因)</source>
        <translation>Correct (old value, who and why are kept)</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="51"/>
        <location filename="../../ui/step_record.py" line="121"/>
        <source>车牌号</source>
        <translation>Plate</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="51"/>
        <location filename="../../ui/step_record.py" line="121"/>
        <source>车型</source>
        <translation>Vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="52"/>
        <location filename="../../ui/step_record.py" line="121"/>
        <source>人数</source>
        <translation>People</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="52"/>
        <source>始发地</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="53"/>
        <source>目的地</source>
        <translation>To</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="57"/>
        <source>新值(车牌可不输省份)</source>
        <translation>New value (plate without province is fine)</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="67"/>
        <source>更正原因</source>
        <translation>Reason for the correction</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="71"/>
        <source>保存更正</source>
        <translation>Save correction</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="80"/>
        <source>确认录入  Enter</source>
        <translation>Confirm record  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="122"/>
        <source>路线</source>
        <translation>Route</translation>
    </message>
    <message>
        <location filename="../../ui/step_record.py" line="122"/>
        <source>建议分流</source>
        <translation>Suggested</translation>
    </message>
</context>
<context>
    <name>ReportDialog</name>
    <message>
        <location filename="../../ui/report_view.py" line="561"/>
        <source>报表与打印</source>
        <translation>Reports and printing</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <location filename="../../ui/report_view.py" line="324"/>
        <source>交接班报告</source>
        <translation>Shift handover report</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="325"/>
        <source>每日一报</source>
        <translation>Daily report</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="331"/>
        <source>第{0}班 {1}</source>
        <translation>Shift {0} {1}</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="332"/>
        <source>生成</source>
        <translation>Generate</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="333"/>
        <source>打印…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="334"/>
        <source>另存为 PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="335"/>
        <source>选择报告后点击“生成”。</source>
        <translation>Choose a report, then click Generate.</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="403"/>
        <source>第{0}班</source>
        <translation>Shift {0}</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="419"/>
        <source>正在生成报告…</source>
        <translation>Generating the report…</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="441"/>
        <source>已取消打印。</source>
        <translation>Printing cancelled.</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="444"/>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="457"/>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="523"/>
        <source>（无车辆，空报告）</source>
        <translation> (no vehicles: empty report)</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="524"/>
        <source>{0}：共 {1} 页{2}</source>
        <translation>{0}: {1} pages{2}</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="529"/>
        <source>已发送打印：{0} 页。</source>
        <translation>Sent to the printer: {0} pages.</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="534"/>
        <source>已保存：{0}</source>
        <translation>Saved: {0}</translation>
    </message>
</context>
<context>
    <name>ResponsePanel</name>
    <message>
        <location filename="../../ui/response_panel.py" line="186"/>
        <source>没有未结束的 136 应急处置。</source>
        <translation>No open 136 response.</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="199"/>
        <source>开始于 {t}</source>
        <translation>started {t}</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="205"/>
        <source>时限 {t}</source>
        <translation>due {t}</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="210"/>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="219"/>
        <source>结束说明(有未完成措施时必填)</source>
        <translation>Closing note (required if measures are left undone)</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="220"/>
        <source>结束响应</source>
        <translation>Close response</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="234"/>
        <source>{t} 由 {who} 完成</source>
        <translation>done {t} by {who}</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="235"/>
        <source> (超时)</source>
        <translation> (late)</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="238"/>
        <source>已超时 {n} 分钟</source>
        <translation>{n} min overdue</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="239"/>
        <source>待完成</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="254"/>
        <source>已记录完成</source>
        <translation>Ticked</translation>
    </message>
    <message>
        <location filename="../../ui/response_panel.py" line="260"/>
        <source>已结束响应</source>
        <translation>Response closed</translation>
    </message>
</context>
<context>
    <name>ShiftGlancePanel</name>
    <message>
        <location filename="../../ui/shift_glance.py" line="147"/>
        <source>本班车辆</source>
        <translation>Vehicles this shift</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="148"/>
        <source>本班人员</source>
        <translation>People this shift</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="149"/>
        <source>最近一小时</source>
        <translation>Last hour</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="150"/>
        <source>补录车辆</source>
        <translation>Back-entered</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="151"/>
        <source>136 未结束</source>
        <translation>136 open</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="156"/>
        <source>按分流</source>
        <translation>By disposition</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="165"/>
        <source>各环节平均用时</source>
        <translation>Mean time per step</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="170"/>
        <source>全程</source>
        <translation>Whole routine</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="176"/>
        <source>每小时车流</source>
        <translation>Vehicles per hour</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="182"/>
        <source>各车道</source>
        <translation>All lanes</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="186"/>
        <source>车道</source>
        <translation>Lane</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="186"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="186"/>
        <source>车辆</source>
        <translation>Vehicles</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="186"/>
        <source>人员</source>
        <translation>Staff</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="187"/>
        <source>最后一辆</source>
        <translation>Last vehicle</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="274"/>
        <source>第 {n} 班</source>
        <translation>Shift {n}</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="275"/>
        <source>{day} {name} ({start}–{end})</source>
        <translation>{day} {name} ({start}–{end})</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="280"/>
        <location filename="../../ui/shift_glance.py" line="288"/>
        <source>{v} 辆 / {p} 人</source>
        <translation>{v} vehicles / {p} people</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="295"/>
        <source>{s} 秒</source>
        <translation>{s} s</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="305"/>
        <source>全卡口 · 卡口服务器数据</source>
        <translation>Whole checkpoint · from the checkpoint&apos;s server</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="307"/>
        <source>实时</source>
        <translation>live</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="309"/>
        <source>本车道 {n} 条未送达</source>
        <translation>{n} records of this lane not yet delivered</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="312"/>
        <source>未配置卡口服务器</source>
        <translation>no checkpoint server configured</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="313"/>
        <source>卡口服务器离线</source>
        <translation>checkpoint server offline</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="314"/>
        <source>服务器尚无本班数据</source>
        <translation>the server has no data of this shift yet</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="317"/>
        <source>自 {t}</source>
        <translation>since {t}</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="318"/>
        <source>仅本车道 {lane}({why})</source>
        <translation>This lane only, {lane} ({why})</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="327"/>
        <source>开放</source>
        <translation>Open</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="327"/>
        <source>关闭中</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../ui/shift_glance.py" line="329"/>
        <source>进行中</source>
        <translation>In progress</translation>
    </message>
</context>
<context>
    <name>SignInScreen</name>
    <message>
        <location filename="../../ui/signin.py" line="120"/>
        <source>值班登录</source>
        <translation>Sign in for duty</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="134"/>
        <location filename="../../ui/signin.py" line="176"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="139"/>
        <location filename="../../ui/signin.py" line="179"/>
        <source>PIN/密码</source>
        <translation>PIN/password</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="141"/>
        <location filename="../../ui/signin.py" line="181"/>
        <source>至少4位数字</source>
        <translation>at least 4 digits</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="144"/>
        <source>登录  Enter</source>
        <translation>Sign in  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="156"/>
        <source>本班人员(点选上岗人员)</source>
        <translation>On this shift (tap everyone on duty)</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="167"/>
        <source>开班  Enter</source>
        <translation>Open shift  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="183"/>
        <source>再输一次</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="185"/>
        <source>再次输入同一PIN</source>
        <translation>type the same PIN again</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="187"/>
        <source>创建点长账号  Enter</source>
        <translation>Create point chief  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="209"/>
        <source>正在读取人员名单…</source>
        <translation>Reading the staff list…</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="284"/>
        <source>两次输入的PIN不一致,请重新输入</source>
        <translation>The two PINs differ; type the PIN again.</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="370"/>
        <source>正在开班…</source>
        <translation>Opening the shift…</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="175"/>
        <source>首次使用:请创建点长账号</source>
        <translation>First use: create the point chief account</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="299"/>
        <source>正在创建点长账号…</source>
        <translation>Creating the point chief account…</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="313"/>
        <source>请先选择姓名</source>
        <translation>Pick your name first</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="323"/>
        <source>正在核对…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="333"/>
        <source>本班次尚未开班,请组长先登录开班</source>
        <translation>No shift is open: the shift leader signs in first to open it</translation>
    </message>
    <message>
        <location filename="../../ui/signin.py" line="339"/>
        <source>{name},本班次尚未开班。勾选本班人员后开班。</source>
        <translation>{name}, no shift is open. Tick the roster, then open the shift.</translation>
    </message>
</context>
<context>
    <name>StartUp</name>
    <message>
        <location filename="../../ui/app.py" line="106"/>
        <source>卡口查验台无法启动</source>
        <translation>Checkpoint Desk cannot start</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="137"/>
        <source>启动时出现意外错误({0}: {1}),详情已写入日志 {2}。</source>
        <translation>An unexpected error stopped the start ({0}: {1}); the details are in the log {2}.</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <location filename="../../ui/sync_status.py" line="54"/>
        <source>{n} 条待发送</source>
        <translation>{n} records waiting</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="56"/>
        <source>单机(未配置服务器)</source>
        <translation>Standalone (no server configured)</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="58"/>
        <source>服务器拒收</source>
        <translation>Refused by the server</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="61"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="64"/>
        <source>离线(自 {time})</source>
        <translation>Offline (since {time})</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="66"/>
        <source>未连接服务器</source>
        <translation>Server not reached yet</translation>
    </message>
    <message>
        <location filename="../../ui/sync_status.py" line="80"/>
        <source>人员名单更新于 {time}</source>
        <translation>Staff list updated {time}</translation>
    </message>
</context>
<context>
    <name>TeamDialog</name>
    <message>
        <location filename="../../ui/team_view.py" line="54"/>
        <source>团队管理</source>
        <translation>Team</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="60"/>
        <location filename="../../ui/team_view.py" line="107"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="60"/>
        <location filename="../../ui/team_view.py" line="108"/>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="60"/>
        <location filename="../../ui/team_view.py" line="109"/>
        <location filename="../../ui/team_view.py" line="129"/>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="60"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="79"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="100"/>
        <source>新增人员</source>
        <translation>Add a person</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="110"/>
        <location filename="../../ui/team_view.py" line="130"/>
        <source>再输一次PIN</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="111"/>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="118"/>
        <source>选中人员</source>
        <translation>Selected person</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="123"/>
        <source>改为此角色</source>
        <translation>Change role</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="131"/>
        <source>重置PIN</source>
        <translation>Reset PIN</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="132"/>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="133"/>
        <source>停用</source>
        <translation>Retire</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="157"/>
        <source>已停用</source>
        <translation>Retired</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="158"/>
        <source>已锁定</source>
        <translation>Locked</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="158"/>
        <source>在岗</source>
        <translation>Active</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="159"/>
        <source>已设PIN</source>
        <translation>PIN set</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="159"/>
        <source>未设PIN</source>
        <translation>no PIN</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="198"/>
        <source>已保存: {name}</source>
        <translation>Saved: {name}</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="210"/>
        <source>两次输入的PIN不一致,请重新输入</source>
        <translation>The two PINs differ; enter them again</translation>
    </message>
    <message>
        <location filename="../../ui/team_view.py" line="217"/>
        <source>请先在列表中选择一人</source>
        <translation>Choose a person in the list first</translation>
    </message>
</context>
<context>
    <name>VerifyStep</name>
    <message>
        <location filename="../../ui/step_verify.py" line="171"/>
        <source>摄像头启动中…</source>
        <translation>Camera starting…</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="189"/>
        <source>添加人员(人工)  F9</source>
        <translation>Add person (by eye)  F9</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="192"/>
        <source>核验完成  Enter</source>
        <translation>Verify done  Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="204"/>
        <source>人工核对手机页面(选中的人员)</source>
        <translation>Check the phone by eye (selected person)</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="217"/>
        <source>行程带星  F8</source>
        <translation>Itinerary star  F8</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="220"/>
        <source>行程无星</source>
        <translation>No star</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="225"/>
        <source>核酸{h}小时内</source>
        <translation>Test within {h} h</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="225"/>
        <source>无核酸</source>
        <translation>No test</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="230"/>
        <source>体温 °C</source>
        <translation>Temp. °C</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="237"/>
        <source>记录体温</source>
        <translation>Save temperature</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="284"/>
        <source>{n}. 待核验 · 出示健康码/通行码,或人工核验 F9</source>
        <translation>{n}. Not verified yet · show the code, or check by eye F9</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="313"/>
        <source>请司乘人员依次出示健康码/通行码;驾驶员先扫</source>
        <translation>Ask each person to show their code; the driver first</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="315"/>
        <source>还有 {n} 人未核验</source>
        <translation>{n} more to verify</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="317"/>
        <source>全部人员已核验,按 Enter 完成核验</source>
        <translation>Everyone verified: press Enter</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="320"/>
        <source>人工核对手机页面 → 第 {n} 人</source>
        <translation>Check by eye → person {n}</translation>
    </message>
    <message>
        <location filename="../../ui/step_verify.py" line="321"/>
        <source>人工核对手机页面 → 新增人员</source>
        <translation>Check by eye → new person</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../ui/report_view.py" line="277"/>
        <source>打印报告</source>
        <translation>Print report</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="287"/>
        <source>另存为 PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <location filename="../../ui/report_view.py" line="287"/>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
</context>
</TS>
