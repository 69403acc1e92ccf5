// The zh-CN locale of the staff pages' plotly charts: the toolbar (modebar) titles, hints and
// date formats in Simplified Chinese. Written for this project (the installed plotly package ships
// plotly.js without locale files, and nothing is fetched at run time); loaded after
// /vendor/plotly.min.js and used with the chart config `locale: 'zh-CN'`.
(function () {
  'use strict';
  if (!window.Plotly) return;
  window.Plotly.register({
    moduleType: 'locale',
    name: 'zh-CN',
    dictionary: {
      'Autoscale': '自动缩放',
      'Box Select': '框选',
      'Lasso Select': '套索选择',
      'Compare data on hover': '悬停时对比数据',
      'Show closest data on hover': '悬停时显示最近的数据',
      'Toggle show closest data on hover': '切换悬停显示最近的数据',
      'Toggle Spike Lines': '切换辅助线',
      'Double-click on legend to isolate one trace': '双击图例只显示该系列',
      'Double-click to zoom back out': '双击恢复原始大小',
      'Download plot': '下载图表',
      'Download plot as a PNG': '下载为 PNG 图片',
      'Download plot as a png': '下载为 PNG 图片',
      'Download plot as JSON': '下载为 JSON',
      'Pan': '平移',
      'Produced with Plotly.js': '由 Plotly.js 绘制',
      'Reset': '重置',
      'Reset axes': '重置坐标轴',
      'Reset view': '重置视图',
      'Reset views': '重置视图',
      'Reset camera to default': '视角恢复默认',
      'Reset camera to last save': '视角恢复上次保存',
      'Snapshot succeeded': '截图成功',
      'Sorry, there was a problem downloading your snapshot!': '抱歉，截图下载失败！',
      'Taking snapshot - this may take a few seconds': '正在截图，请稍候',
      'Toggle attribution': '切换署名',
      'Zoom': '缩放',
      'Zoom in': '放大',
      'Zoom out': '缩小',
      'new text': '新文本',
      'trace': '系列',
      'max:': '最大值：',
      'min:': '最小值：',
      'mean:': '平均值：',
      'median:': '中位数：',
    },
    format: {
      days: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
      shortDays: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
      months: ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '十一月', '十二月'],
      shortMonths: ['1月', '2月', '3月', '4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月'],
      date: '%Y-%m-%d',
      decimal: '.',
      thousands: ',',
    },
  });
})();
