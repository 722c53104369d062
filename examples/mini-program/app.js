// @ts-check
/**
 * The mini-program's app: where the page finds the token service and the user's login token. The same
 * source runs as a WeChat and as an Alipay mini-program (see utils/platform.js).
 */
App({
  globalData: {
    /**
     * The stsgate token function for your bucket's cloud (its keys URL; the page asks `<this>/uploads`).
     * Its domain, and the bucket's upload domain, must be on the mini-program's server domain lists.
     */
    tokenService: 'https://sts.example.com/aliyun',
    /** Your app's login JWT: set it where your login flow (wx.login / my.getAuthCode → your backend) finishes. */
    loginToken: '',
  },
});
