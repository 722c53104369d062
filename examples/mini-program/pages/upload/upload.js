// @ts-check
/**
 * The upload page: pick a file, have the token service sign a form for it, upload it straight to the
 * bucket with the platform's own uploadFile, and show the key it was stored under or why it was refused.
 */
const { currentPlatform } = require('../../utils/platform.js');
const { requestSignedForm, uploadWithForm } = require('../../utils/signed-upload.js');

Page({
  data: { busy: false, progress: 0, key: '', error: '' },

  async chooseAndUpload() {
    const platform = currentPlatform();
    const { tokenService, loginToken } = getApp().globalData;
    this.setData({ busy: true, progress: 0, key: '', error: '' });
    try {
      const file = await platform.pickFile();
      const form = await requestSignedForm(platform, { tokenService, loginToken, filename: file.name, size: file.size });
      const { key } = await uploadWithForm(platform, form, file.path, (progress) => this.setData({ progress }));
      this.setData({ busy: false, progress: 100, key });
    } catch (error) {
      this.setData({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  },
});
